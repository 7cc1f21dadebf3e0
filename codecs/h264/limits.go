package h264

// MaxNALUsPerAccessUnit bounds the NAL units SplitAnnexB and SplitAVCC return
// for one access unit. Level limits allow Main and High profile streams about
// 341 slices per picture at level 4.1 and 30 frames per second (MaxMBPS ÷
// frame rate ÷ SliceRate, ITU-T H.264 A.3.3), and encoders rarely write more
// than a few dozen; 1024 leaves room for those slices, SEI and parameter sets
// while bounding the work a hostile run of start codes can cause.
const MaxNALUsPerAccessUnit = 1024

// MaxDimensionInMBs bounds pic_width_in_mbs and the frame height in
// macroblocks accepted by ParseSPS. The largest frame of any level is
// MaxFS = 139264 macroblocks (level 6.2), and no side may exceed
// sqrt(8 × MaxFS) = 1055 macroblocks (ITU-T H.264 A.3.1), that is 16880
// luma samples. Larger values can only come from corrupt or hostile input and
// would make sizes computed from them overflow on 32-bit platforms.
const MaxDimensionInMBs = 1055

// mbSize is the width and height of a macroblock in luma samples.
const mbSize = 16
