package mcapimport

// rosDefinitionsKnown are the definitions of the ROS 2 picture types, for a
// bag in SQLite written before Jazzy, which names its types without their
// definitions. They are the types' fields as ROS 2 defines them, in the
// form a schema gives them.
var rosDefinitionsKnown = map[string]string{
	"sensor_msgs/msg/CompressedImage": "std_msgs/Header header\nstring format\nuint8[] data\n" + rosHeader,
	"sensor_msgs/msg/Image": "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\n" +
		"uint8 is_bigendian\nuint32 step\nuint8[] data\n" + rosHeader,
	"foxglove_msgs/msg/CompressedVideo": "builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n",
	"foxglove_msgs/msg/CompressedImage": "builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n",
	"foxglove_msgs/msg/RawImage": "builtin_interfaces/Time timestamp\nstring frame_id\nuint32 width\nuint32 height\n" +
		"string encoding\nuint32 step\nuint8[] data\n",
	// ffmpeg_image_transport's packets (its encoding names the codec).
	"ffmpeg_image_transport_msgs/msg/FFMPEGPacket": "std_msgs/Header header\nint32 width\nint32 height\nstring encoding\n" +
		"uint64 pts\nuint8 flags\nbool is_bigendian\nuint8[] data\n" + rosHeader,
}

// rosHeader defines std_msgs/Header; builtin_interfaces/Time is known
// without a definition (wellKnownTypes).
const rosHeader = "================================================================================\n" +
	"MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
