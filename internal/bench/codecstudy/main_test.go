package codecstudy

import (
	"os"
	"testing"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.WarnLevel), zerolog.WarnLevel)
	os.Exit(m.Run())
}
