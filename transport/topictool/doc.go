// Package topictool holds what gopline's topic commands do, for any
// program: measure a topic's rate and drops (Hz, Missed) and bandwidth (Bandwidth) over a
// window of its latest packets, print one line per packet (Echo), describe
// a topic (WriteInfo) and list the topics of the nodes found (WriteTopics).
// Each writes text for people, or JSON, to an io.Writer; Watch feeds a
// topic's packets to a function. The command line only parses flags.
package topictool
