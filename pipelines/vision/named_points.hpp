// SPDX-License-Identifier: Apache-2.0
// Zones and counting lines as vision pipelines take them in settings: a name
// and points in normalised frame coordinates (0..1 from the top-left corner),
// so a config survives a change of camera resolution.
// THREADING: pure function; any thread.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

namespace cityedge::pipelines::vision {

// "entrance: 0.1,0.5 0.4,0.5 0.4,0.9" -> a zone (3+ points) or a line (2
// points). Empty `error` on success.
[[nodiscard]] bool ParseNamedPoints(const std::string& text, std::string* name,
                                    std::vector<cv::Point2f>* points, std::string* error);

}  // namespace cityedge::pipelines::vision
