package media

// Item is what flows between the stages of a pipeline: a *Frame or a
// *Packet. It is sealed (its method is unexported), so no other type can be
// handed from stage to stage, and a stage written for one of the two takes
// and gives exactly that type (see package pipeline).
type Item interface{ isItem() }

func (*Frame) isItem()  {}
func (*Packet) isItem() {}
