package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gopline/gopline/media"
)

// parseSize parses WIDTHxHEIGHT.
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 || w > media.MaxDimension || h > media.MaxDimension {
		return 0, 0, fmt.Errorf("size %q: want WIDTHxHEIGHT, e.g. 640x480, each 1..%d", s, media.MaxDimension)
	}
	return w, h, nil
}
