// SPDX-License-Identifier: Apache-2.0
// The people_count type as the core sees it: name, description and settings, no
// code. Needs no OpenCV.
#include <string>

#include "pipelines/framework.hpp"
#include "pipelines/people_count/people_count.hpp"
#include "pipelines/zones.hpp"

namespace cityedge::pipelines::people_count {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("detector", SettingType::kEnum,
              "hog: OpenCV's HOG people detector on moving regions; motion: moving blobs are "
              "the people (overhead cameras)")
          .Allowed({"hog", "motion"})
          .Default("hog"),
      Setting("interval", SettingType::kDuration,
              "Counts are smoothed and reported once per interval of capture time")
          .Default("10s")
          .Min(1000)
          .Unit("ms"),
      Setting("zones", SettingType::kTableList, "Zones whose people are counted, one table each")
          .Fields(ZoneFields())
          .AcceptsLines(ReadZoneLine),
      Setting("lines", SettingType::kTableList,
              "Counting lines whose crossings are counted, one table each")
          .Fields(CountingLineFields())
          .AcceptsLines(ReadCountingLine),
      Setting("upscale", SettingType::kDouble,
              "Image scale for HOG; people shorter than 96/upscale px are missed")
          .Default("1.5")
          .Min(0.5)
          .Max(4),
      Setting("max_person_height", SettingType::kDouble,
              "Tallest person in view as a fraction of the frame height; 0: no limit")
          .Default("0.3")
          .Min(0)
          .Max(1),
      Setting("hit_threshold", SettingType::kDouble, "HOG SVM margin a window must clear")
          .Default("0")
          .Min(-1)
          .Max(3),
      Setting("motion_width", SettingType::kInt, "Width of the copy background subtraction runs on")
          .Default("320")
          .Min(64)
          .Max(1920)
          .Unit("px"),
      Setting("min_blob_area", SettingType::kDouble,
              "Smallest moving blob, as a fraction of the frame")
          .Default("0.0005")
          .Min(0)
          .Max(0.5),
      Setting("max_misses", SettingType::kInt, "Frames a track survives without a detection")
          .Default("10")
          .Min(0)
          .Max(1000),
      Setting("evidence_thumbnails", SettingType::kBool,
              "Write one privacy-filtered JPEG per interval with people to evidence_dir")
          .Default("false"),
      Setting("evidence_dir", SettingType::kString, "Folder for evidence thumbnails")
          .Default("/var/lib/cityedge-evidence"),
      Setting("evidence_max_width", SettingType::kInt, "Width evidence thumbnails are scaled to")
          .Default("320")
          .Min(64)
          .Max(1920)
          .Unit("px"),
      Setting("evidence_keep", SettingType::kInt,
              "Thumbnails kept per pipeline; older ones are overwritten")
          .Default("50")
          .Min(1)
          .Max(100000),
  };
}

}  // namespace

PipelineType SchemaType() {
  return {
      .name = "people_count",
      .description =
          "People in view, per zone and crossing lines, from camera frames (counts only)",
      .schema = Schema(),
      .consumes_frames = true,
      .create = {},
  };
}

}  // namespace cityedge::pipelines::people_count
