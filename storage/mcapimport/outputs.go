package mcapimport

// output is one file an import writes.
type output struct {
	path    string
	rec     streams
	streams map[string]bool // the topics it has a stream of
}

// outputs are the files an import writes: the first, then one more from
// each change of a topic's picture size or format, as the recorder splits
// a recording there. open makes file i (0 the first).
type outputs struct {
	open  func(i int) (*output, error)
	files []*output
}

// newest returns the file opened last, or nil.
func (o *outputs) newest() *output {
	if len(o.files) == 0 {
		return nil
	}
	return o.files[len(o.files)-1]
}

// next opens the next file.
func (o *outputs) next() (*output, error) {
	out, err := o.open(len(o.files))
	if err != nil {
		return nil, err
	}
	o.files = append(o.files, out)
	return out, nil
}

// outputFor returns the file a topic's packet goes to: the newest file for
// a topic's first packet; a new file for a change of its size or format
// (or the newest, when another topic's change opened it); and the newest
// at a keyframe, when another topic's change opened one since.
func (im *importer) outputFor(st *topicState, key, changed bool) (*output, error) {
	newest := im.outs.newest()
	switch {
	case newest == nil, changed && st.out == newest:
		return im.outs.next()
	case st.out == nil, changed, key:
		return newest, nil
	}
	return st.out, nil
}
