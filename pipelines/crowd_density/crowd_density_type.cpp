// SPDX-License-Identifier: Apache-2.0
// The crowd_density type as the core sees it: name, description and settings, no
// code. Needs no OpenCV.
#include <string>

#include "pipelines/crowd_density/crowd_density.hpp"
#include "pipelines/framework.hpp"

namespace cityedge::pipelines::crowd_density {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("zones", SettingType::kList,
              "Polygons judged separately: 'name: x,y x,y x,y ...' in 0..1 frame coordinates; "
              "unset: the whole frame as zone 'frame'"),
      Setting("zone_areas", SettingType::kList,
              "Ground area of zones, 'name: 42.5' in m2; a zone with an area is judged in "
              "people/m2, one without in occupancy"),
      Setting("person_area", SettingType::kDouble,
              "Foreground one person covers, as a fraction of the frame (for people/m2)")
          .Default("0.01")
          .Min(0.00001)
          .Max(1),
      Setting("occupancy_levels", SettingType::kList,
              "Occupancy (0..1) at which busy, crowded, critical begin")
          .Default("[0.15, 0.35, 0.6]"),
      Setting("density_levels", SettingType::kList,
              "People per m2 at which busy, crowded, critical begin")
          .Default("[0.5, 2, 4]"),
      Setting("hysteresis", SettingType::kDouble,
              "A level is left downwards below (1 - hysteresis) x its threshold")
          .Default("0.1")
          .Min(0)
          .Max(0.9),
      Setting("interval", SettingType::kDuration,
              "Occupancy is averaged and judged once per interval of capture time")
          .Default("5s")
          .Min(100)
          .Unit("ms"),
      Setting("motion_width", SettingType::kInt, "Width of the copy background subtraction runs on")
          .Default("320")
          .Min(64)
          .Max(1920)
          .Unit("px"),
      Setting("background_history", SettingType::kInt,
              "Frames over which the background model adapts after warm-up; a crowd that stands "
              "still fades into the background on this scale")
          .Default("3000")
          .Min(10)
          .Max(1000000),
      Setting("warmup_frames", SettingType::kInt, "Frames the background model learns first")
          .Default("30")
          .Min(0)
          .Max(100000),
  };
}

}  // namespace

PipelineType SchemaType() {
  return {
      .name = "crowd_density",
      .description = "Foreground occupancy and people/m2 per zone, crowd levels with hysteresis",
      .schema = Schema(),
      .consumes_frames = true,
      .create = {},
  };
}

}  // namespace cityedge::pipelines::crowd_density
