package transport

import (
	"fmt"
	"strings"
)

// MaxTopicNameLen bounds a topic name's length in bytes: names travel in
// every Delivery and, later, over the network, and no sensible name comes
// near it.
const MaxTopicNameLen = 256

// ValidateTopicName reports whether name is a valid topic name, in the manner
// of ROS 2's fully qualified names: it starts with '/', holds only ASCII
// letters, digits, '_' and '/', has no empty segment ("//") and does not end
// with '/'. Examples: "/camera", "/robot1/camera/front_h264".
func ValidateTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name (want e.g. \"/camera\")", ErrInvalidTopicName)
	case len(name) > MaxTopicNameLen:
		return fmt.Errorf("%w: %d bytes long (at most %d)", ErrInvalidTopicName, len(name), MaxTopicNameLen)
	case name[0] != '/' && ValidateTopicName("/"+name) == nil:
		// A ROS 2 name relative to its node's namespace: gopline's
		// topics have none.
		return fmt.Errorf("%w: %q must start with '/' (gopline's topic names are absolute: /%s)", ErrInvalidTopicName, name, name)
	case name[0] != '/':
		return fmt.Errorf("%w: %q must start with '/'", ErrInvalidTopicName, name)
	case name[len(name)-1] == '/':
		return fmt.Errorf("%w: %q must not end with '/'", ErrInvalidTopicName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '/':
			if i > 0 && name[i-1] == '/' {
				return fmt.Errorf("%w: %q has an empty segment (\"//\") at byte %d", ErrInvalidTopicName, name, i)
			}
		case c == '_', '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		default:
			return fmt.Errorf("%w: %q has %q at byte %d (allowed: ASCII letters, digits, '_', '/')", ErrInvalidTopicName, name, name[i:i+1], i)
		}
	}
	return nil
}

// RootedName is the topic that a name written on a command line or in a
// pipeline line means: the name itself, or, for a relative name (camera),
// that name in the root namespace (/camera), as ros2 resolves one for a
// node in the root namespace. gopline's topics have no namespace but the
// root, so the slash is all a relative name lacks. A name that is wrong
// either way is returned as it is, for ValidateTopicName to say why.
func RootedName(name string) string {
	if name == "" || strings.HasPrefix(name, "/") || ValidateTopicName("/"+name) != nil {
		return name
	}
	return "/" + name
}
