// SPDX-License-Identifier: Apache-2.0
// Zones and counting lines as the vision pipelines' settings declare them:
// lists of tables, one table per zone or line, with points in normalised
// frame coordinates ([x, y], 0..1 from the top-left corner) so that a config
// survives a change of camera resolution:
//
//   zones:
//     - name: gate_queue
//       polygon: [[0.30, 0.55], [0.70, 0.55], [0.75, 0.95], [0.25, 0.95]]
//   lines:
//     - {name: gates, from: [0.20, 0.60], to: [0.80, 0.60]}
//
// The daemon validates them like every setting, so a bad coordinate is named
// by its key path (pipelines[0].settings.zones[0].polygon[2][1]). Earlier
// releases wrote each as one line, "gate_queue: 0.30,0.55 0.70,0.55 ...";
// that form is still read, with a warning that shows the table to write.
// Needs no OpenCV: the core validates and describes these settings too.
#pragma once

#include <string_view>
#include <vector>

#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::pipelines {

// [x, y], both 0..1.
[[nodiscard]] config::SettingSpec FramePoint();

// The fields of a zone: name (unique), polygon (3 or more points).
[[nodiscard]] std::vector<config::SettingSpec> ZoneFields();

// The fields of a counting line: name (unique), from, to.
[[nodiscard]] std::vector<config::SettingSpec> CountingLineFields();

// Readers of the one-line forms (config::LineReader): "name: x,y x,y x,y ..."
// as {name, polygon: [[x, y] ...]}, and "name: x1,y1 x2,y2" as
// {name, from: [x1, y1], to: [x2, y2]}. The numbers are left to the
// validator. Pure; any thread.
[[nodiscard]] Result<config::LineTable> ReadZoneLine(std::string_view line);
[[nodiscard]] Result<config::LineTable> ReadCountingLine(std::string_view line);

}  // namespace cityedge::pipelines
