// SPDX-License-Identifier: Apache-2.0
// The crowd_density type as the core sees it: name, description and settings, no
// code. Needs no OpenCV.
#include <string>
#include <vector>

#include "pipelines/crowd_density/crowd_density.hpp"
#include "pipelines/framework.hpp"
#include "pipelines/zones.hpp"

namespace cityedge::pipelines::crowd_density {
namespace {

using config::SettingType;

// A zone's table: the shared zone fields, plus its ground area.
std::vector<config::SettingSpec> ZoneTable() {
  std::vector<config::SettingSpec> fields = ZoneFields();
  fields.push_back(Setting("area", SettingType::kDouble,
                           "Ground area the zone covers; with it the zone is judged in people/m2, "
                           "without it in occupancy")
                       .Min(0.01)
                       .Unit("m2"));
  return fields;
}

std::vector<config::SettingSpec> LevelFields() {
  return {
      Setting("level", SettingType::kEnum, "The level this table starts")
          .Allowed({"busy", "crowded", "critical"})
          .Required()
          .Unique(),
      Setting("occupancy", SettingType::kDouble,
              "Occupancy (foreground fraction) at which it begins, for zones without an area")
          .Required()
          .Min(0)
          .Max(1),
      Setting("density", SettingType::kDouble,
              "People per m2 at which it begins, for zones with an area")
          .Required()
          .Min(0)
          .Unit("1/m2"),
  };
}

config::SettingsSchema Schema() {
  return {
      Setting("zones", SettingType::kTableList,
              "Zones judged separately, one table each; unset: the whole frame as zone 'frame'")
          .Fields(ZoneTable())
          .AcceptsLines(ReadZoneLine),
      Setting("zone_areas", SettingType::kList,
              "Ground area of zones of the one-line form, 'name: 42.5' in m2")
          .Deprecated("give the area in the zone's table, zones[].area"),
      Setting("person_area", SettingType::kDouble,
              "Foreground one person covers, as a fraction of the frame (for people/m2)")
          .Default("0.01")
          .Min(0.00001)
          .Max(1),
      Setting("levels", SettingType::kTableList,
              "Where busy, crowded and critical begin: one table per level, each threshold "
              "above the one of the level below")
          .Fields(LevelFields())
          .Min(3)
          .Max(3)
          .Default("[{level: busy, occupancy: 0.15, density: 0.5}, "
                   "{level: crowded, occupancy: 0.35, density: 2}, "
                   "{level: critical, occupancy: 0.6, density: 4}]"),
      Setting("occupancy_levels", SettingType::kList,
              "Occupancy at which busy, crowded, critical begin")
          .Item(NumberItem())
          .Min(3)
          .Max(3)
          .Deprecated("write each as levels[].occupancy", "levels"),
      Setting("density_levels", SettingType::kList,
              "People per m2 at which busy, crowded, critical begin")
          .Item(NumberItem())
          .Min(3)
          .Max(3)
          .Deprecated("write each as levels[].density", "levels"),
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
