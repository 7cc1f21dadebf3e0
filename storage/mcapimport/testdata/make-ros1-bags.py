# Writes the ROS 1 bags of storage/mcapimport's tests with ROS 1's own
# rosbag library (Debian 12: apt-get install python3-rosbag
# python3-sensor-msgs python3-roslz4), so that the tests read bytes gopline
# did not lay out itself:
#
#	ros1/noetic.bag       chunks as rosbag record leaves them (uncompressed)
#	ros1/noetic_bz2.bag   the same compressed with bz2 (rosbag record -j)
#	ros1/noetic_lz4.bag   and with lz4 (rosbag record --lz4)
#	ros1/split/           the same split in two, as rosbag record --split
#	                      leaves it: noetic_0.bag, noetic_1.bag
#	ros1/bags.json        what the tests expect of them
#
# Each holds a JPEG camera (/usb_cam/image_raw/compressed), a raw bgr8 one
# (/camera/image_raw) and an IMU, interleaved as recorded. Run from a
# directory with the pictures made with ffmpeg:
#
#	ffmpeg -f lavfi -i testsrc=size=64x48:rate=10 -frames:v 6 -q:v 5 j%d.jpg
#	/usr/bin/python3 make-ros1-bags.py OUTDIR
import hashlib
import json
import os
import sys

import genpy
import rosbag
from sensor_msgs.msg import CompressedImage, Image, Imu

out = os.path.join(sys.argv[1], "ros1")
os.makedirs(out, exist_ok=True)
t0 = 1740821400  # 2025-03-01 09:30:00 UTC
jpegs = [open("j%d.jpg" % i, "rb").read() for i in range(1, 7)]


def stamp(n):
    return genpy.Time(t0 + n // 10, (n % 10) * 100_000_000)


# A 6x4 bgr8 picture, rows padded to 20 bytes: pixel (x, y) = (b 10x, g 20y, r x+y).
raw = bytearray(20 * 4)
for y in range(4):
    for x in range(6):
        raw[y * 20 + 3 * x : y * 20 + 3 * x + 3] = bytes([10 * x, 20 * y, x + y])

expect = {
    "/usb_cam/image_raw/compressed": {
        "type": "sensor_msgs/CompressedImage", "count": 6,
        "stamps": [str(stamp(n).to_nsec()) for n in range(6)],
        "sha256": [hashlib.sha256(j).hexdigest() for j in jpegs], "width": 64, "height": 48,
    },
    "/camera/image_raw": {
        "type": "sensor_msgs/Image", "count": 3,
        "stamps": [str(stamp(n).to_nsec()) for n in range(3)], "width": 6, "height": 4,
    },
}
os.makedirs(os.path.join(out, "split"), exist_ok=True)
for name, compression, frames in [("noetic", "none", range(6)), ("noetic_bz2", "bz2", range(6)), ("noetic_lz4", "lz4", range(6)),
                                  ("split/noetic_0", "none", range(3)), ("split/noetic_1", "none", range(3, 6))]:
    # Small chunks: a bag of several, as a long recording is.
    with rosbag.Bag(os.path.join(out, name + ".bag"), "w", compression=compression, chunk_threshold=4096) as bag:
        for n in frames:
            when = stamp(n) + genpy.Duration(0, 5_000_000)  # received 5 ms after the stamp
            m = CompressedImage()
            m.header.seq, m.header.stamp, m.header.frame_id = n, stamp(n), "usb_cam"
            m.format, m.data = "jpeg", jpegs[n]
            bag.write("/usb_cam/image_raw/compressed", m, when)
            if n < 3:
                i = Image()
                i.header.seq, i.header.stamp, i.header.frame_id = n, stamp(n), "camera"
                i.height, i.width, i.encoding, i.is_bigendian, i.step, i.data = 4, 6, "bgr8", 0, 20, bytes(raw)
                bag.write("/camera/image_raw", i, when)
            imu = Imu()
            imu.header.stamp = stamp(n)
            bag.write("/imu", imu, when)
with open(os.path.join(out, "bags.json"), "w") as f:
    json.dump(expect, f, indent=1)
    f.write("\n")
