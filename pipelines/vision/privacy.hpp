// SPDX-License-Identifier: Apache-2.0
// Privacy-safe images (DESIGN.md §3.5): the only pixels that may leave a
// pipeline are a snapshot asked for explicitly (control plane `snapshot`) or
// an evidence thumbnail enabled explicitly in config. Both go through
// EncodePrivateJpeg, which pixelates every detected face (Haar and LBP
// cascades from Debian's opencv-data) and every detected person (OpenCV's HOG
// people detector) before encoding, and scales the image down to a maximum
// width.
//
// This header is self-contained and free of OpenCV types, so callers outside
// pipelines/ (daemon/control) can use it without including OpenCV.
//
// THREADING: every function may be called from any thread, concurrently. The
// cascades are loaded once per process, on first use; detection on them is
// serialised internally (snapshots and thumbnails are rare).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/frame.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::pipelines::privacy {

struct PrivacyOptions {
  int max_width = 640;    // the JPEG is scaled down to this width (never up)
  int jpeg_quality = 80;  // 1..100
  bool pixelate_people = true;
  // Blocks across a face or person box; fewer is coarser. 8 leaves no face a
  // detector (or a person) can recognise.
  int blocks_across = 8;
};

// A box in the frame's pixels.
struct Box {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// The privacy filter's face detector, reusable by other pipelines (e.g.
// thermal fusion): frontal and profile Haar cascades plus the LBP frontal
// cascade, tuned to err toward finding too many faces. `frame` may be BGR8,
// GRAY8 or Y16 (scaled to 8 bits by its own range).
// Fails with kNotFound, naming the folders searched, when the cascades are
// missing (install Debian's opencv-data, or set CITYEDGE_OPENCV_DATA).
[[nodiscard]] Result<std::vector<Box>> DetectFaces(const Frame& frame);

// Same detector with its ordinary settings (one cascade, usual neighbour
// count): what an onlooker's software would find. Tests use it to check that
// a private JPEG shows no face.
[[nodiscard]] Result<std::vector<Box>> DetectFacesPlain(const Frame& frame);

// The frame as a JPEG with faces (and people, unless disabled) pixelated and
// scaled to options.max_width. Fails when the cascades cannot be loaded (the
// image is never encoded unfiltered) or the frame is empty or malformed.
[[nodiscard]] Result<std::string> EncodePrivateJpeg(const Frame& frame,
                                                    const PrivacyOptions& options = {});

// Where the cascades were found, or the error DetectFaces would return.
[[nodiscard]] Result<std::string> CascadeFolder();

// A Frame viewing `bytes` of a JPEG/PNG file decoded in memory, for tests and
// the CLI; the frame owns its pixels.
[[nodiscard]] Result<Frame> DecodeImage(const std::string& bytes);

}  // namespace cityedge::pipelines::privacy
