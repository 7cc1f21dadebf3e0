package mcapimport_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/storage/mcapimport"
)

// A JPEG picture cut short (a driver's buffer handed on before it filled,
// a message cut), even by its end marker alone, is counted as damaged at
// import, saying so, as the export, whose decoder refuses it, would find;
// one padded with zeros after its end, or followed by other bytes, is a
// whole picture.
func TestImportCountsAJPEGCutShortAsDamaged(t *testing.T) {
	pics := jpegs(t, 5)
	cut := slices.Clone(pics)
	cut[1] = pics[1][:len(pics[1])/2]
	cut[2] = append(slices.Clone(pics[2]), make([]byte, 100)...)
	cut[3] = append(slices.Clone(pics[3]), "trailing bytes"...)
	cut[4] = pics[4][:len(pics[4])-2] // all but its end marker
	order := []int{0, 1, 2, 3, 4}
	var stamps, logs []time.Time
	for i := range order {
		stamps, logs = append(stamps, stamp(i)), append(logs, logTime(i))
	}
	ch := jpegTopic("/cam/image/compressed", cut, order, stamps, logs)
	_, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
	tp := topicOf(t, res, ch.topic)
	if tp.Packets != 3 || tp.Damaged != 2 || !strings.Contains(tp.DamageWhy, "cut short") {
		t.Fatalf("%+v", tp)
	}
}

// A JPEG without its end whose header claims a huge picture is refused by
// its size, not decoded: the decoder would allocate what the header says.
func TestImportRefusesAHugeJPEGWithoutItsEndUndecoded(t *testing.T) {
	pics := jpegs(t, 2)
	huge := slices.Clone(pics[1][:len(pics[1])/2]) // cut short, its SOF0 saying 16000x16000
	sof := bytes.Index(huge, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0 in the test's JPEG")
	}
	copy(huge[sof+5:], []byte{0x3e, 0x80, 0x3e, 0x80})
	ch := jpegTopic("/cam/image/compressed", [][]byte{pics[0], huge}, []int{0, 1},
		[]time.Time{stamp(0), stamp(1)}, []time.Time{logTime(0), logTime(1)})
	_, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != 1 || tp.Damaged != 1 || !strings.Contains(tp.DamageWhy, "more pixels") {
		t.Fatalf("%+v", tp)
	}
}

// A schema record of the data section that is damaged (its data's length
// says more than the record holds) is taken from the summary, which
// repeats it: the topic is imported, where it was left out as "not
// pictures" with no type.
func TestImportTakesADamagedSchemaFromTheSummary(t *testing.T) {
	ch, path, b := unchunkedJPEGBag(t)
	name := []byte(ch.schema)
	at := bytes.Index(b, name) // the data section's copy: the summary's comes after
	if at < 0 || bytes.Count(b, name) < 2 {
		t.Fatalf("the schema's name is in the file %d times, want it twice", bytes.Count(b, name))
	}
	encoding := at + len(name)
	dataLen := encoding + 4 + int(binary.LittleEndian.Uint32(b[encoding:]))
	binary.LittleEndian.PutUint32(b[dataLen:], 0xfffffff0)
	rewrite(t, path, b)
	_, res := importBag(t, path, mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != 3 || tp.Schema != ch.schema {
		t.Fatalf("%+v", tp)
	}
}

// Messages of a channel the file never defines are counted and left out,
// not dropped without a word.
func TestImportCountsMessagesOfAChannelNeverDefined(t *testing.T) {
	ch, path, b := unchunkedJPEGBag(t)
	last := ch.messages[len(ch.messages)-1]
	data := bytes.LastIndex(b, last)
	if data < 22 {
		t.Fatal("the last message is not in the file")
	}
	binary.LittleEndian.PutUint16(b[data-22:], 99) // its channel: opcode, length, channel id, sequence, log and publish times, data
	rewrite(t, path, b)
	_, res := importBag(t, path, mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != 2 || res.Unchanneled != 1 {
		t.Fatalf("%d unchanneled; %+v", res.Unchanneled, tp)
	}
}

// unchunkedJPEGBag writes an unchunked bag of three JPEG pictures and
// returns its channel, its path and its bytes, for a test to damage.
func unchunkedJPEGBag(t *testing.T) (bagChannel, string, []byte) {
	t.Helper()
	pics := jpegs(t, 3)
	ch := jpegTopic("/cam/image/compressed", pics, []int{0, 1, 2},
		[]time.Time{stamp(0), stamp(1), stamp(2)}, []time.Time{logTime(0), logTime(1), logTime(2)})
	path := writeBag(t, unchunked, ch)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ch, path, b
}

// rewrite writes b, a bag's damaged bytes, over the file at path.
func rewrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
