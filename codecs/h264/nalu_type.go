package h264

import "strconv"

// NALUType is nal_unit_type, the low five bits of a NAL unit's first byte
// (ITU-T H.264 table 7-1).
type NALUType uint8

// NAL unit types of ITU-T H.264 table 7-1. Values 0 and 24 to 31 are left
// unspecified by the standard; transports such as RTP give them meanings of
// their own, which belong to the transport's package.
const (
	NALUTypeUnspecified    NALUType = 0  // unspecified
	NALUTypeNonIDR         NALUType = 1  // coded slice of a non-IDR picture
	NALUTypeDataPartitionA NALUType = 2  // coded slice data partition A
	NALUTypeDataPartitionB NALUType = 3  // coded slice data partition B
	NALUTypeDataPartitionC NALUType = 4  // coded slice data partition C
	NALUTypeIDR            NALUType = 5  // coded slice of an IDR picture
	NALUTypeSEI            NALUType = 6  // supplemental enhancement information
	NALUTypeSPS            NALUType = 7  // sequence parameter set
	NALUTypePPS            NALUType = 8  // picture parameter set
	NALUTypeAUD            NALUType = 9  // access unit delimiter
	NALUTypeEndOfSequence  NALUType = 10 // end of sequence
	NALUTypeEndOfStream    NALUType = 11 // end of stream
	NALUTypeFillerData     NALUType = 12 // filler data
	NALUTypeSPSExtension   NALUType = 13 // sequence parameter set extension
	NALUTypePrefix         NALUType = 14 // prefix NAL unit (SVC, MVC)
	NALUTypeSubsetSPS      NALUType = 15 // subset sequence parameter set (SVC, MVC)
	NALUTypeDPS            NALUType = 16 // depth parameter set (3D-AVC)
	NALUTypeReserved17     NALUType = 17 // reserved
	NALUTypeReserved18     NALUType = 18 // reserved
	// NALUTypeSliceLayerWithoutPartitioning is a coded slice of an auxiliary
	// coded picture (such as an alpha plane) without partitioning.
	NALUTypeSliceLayerWithoutPartitioning NALUType = 19
	NALUTypeSliceExtension                NALUType = 20 // coded slice extension (SVC, MVC)
	NALUTypeSliceExtensionDepth           NALUType = 21 // coded slice extension for a depth view (3D-AVC)
	NALUTypeReserved22                    NALUType = 22 // reserved
	NALUTypeReserved23                    NALUType = 23 // reserved
)

// naluTypeMask keeps nal_unit_type, the low five bits of the NAL unit header;
// the three high bits are forbidden_zero_bit and nal_ref_idc.
const naluTypeMask = 0x1f

var naluTypeNames = [...]string{
	NALUTypeUnspecified:                   "Unspecified",
	NALUTypeNonIDR:                        "NonIDR",
	NALUTypeDataPartitionA:                "DataPartitionA",
	NALUTypeDataPartitionB:                "DataPartitionB",
	NALUTypeDataPartitionC:                "DataPartitionC",
	NALUTypeIDR:                           "IDR",
	NALUTypeSEI:                           "SEI",
	NALUTypeSPS:                           "SPS",
	NALUTypePPS:                           "PPS",
	NALUTypeAUD:                           "AUD",
	NALUTypeEndOfSequence:                 "EndOfSequence",
	NALUTypeEndOfStream:                   "EndOfStream",
	NALUTypeFillerData:                    "FillerData",
	NALUTypeSPSExtension:                  "SPSExtension",
	NALUTypePrefix:                        "Prefix",
	NALUTypeSubsetSPS:                     "SubsetSPS",
	NALUTypeDPS:                           "DPS",
	NALUTypeReserved17:                    "Reserved17",
	NALUTypeReserved18:                    "Reserved18",
	NALUTypeSliceLayerWithoutPartitioning: "SliceLayerWithoutPartitioning",
	NALUTypeSliceExtension:                "SliceExtension",
	NALUTypeSliceExtensionDepth:           "SliceExtensionDepth",
	NALUTypeReserved22:                    "Reserved22",
	NALUTypeReserved23:                    "Reserved23",
}

// String returns the type's name, such as "IDR", or "Unspecified(N)" for the
// values the standard leaves open.
func (t NALUType) String() string {
	if int(t) < len(naluTypeNames) {
		return naluTypeNames[t]
	}
	return "Unspecified(" + strconv.Itoa(int(t)) + ")"
}

// TypeOf returns the nal_unit_type of a NAL unit, or NALUTypeUnspecified (0)
// when nalu is empty.
func TypeOf(nalu []byte) NALUType {
	if len(nalu) == 0 {
		return NALUTypeUnspecified
	}
	return NALUType(nalu[0] & naluTypeMask)
}
