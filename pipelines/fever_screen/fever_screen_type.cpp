// SPDX-License-Identifier: Apache-2.0
// The fever_screen type as the core sees it: name, description and settings, no
// code. Needs no OpenCV.
#include <string>

#include "pipelines/fever_screen/fever_screen.hpp"
#include "pipelines/framework.hpp"

namespace cityedge::pipelines::fever_screen {
namespace {

using config::SettingType;

constexpr const char* kDefaultCascade =
    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

config::SettingsSchema Schema() {
  return {
      Setting("threshold_c", SettingType::kDouble,
              "Alert when a person's confirmed corrected temperature exceeds this")
          .Default("37.3")
          .Min(30)
          .Max(45)
          .Unit("degC"),
      Setting("percentile", SettingType::kDouble,
              "Percentile of the face region measured (high: the inner canthus is the warmest "
              "reliable site)")
          .Default("95")
          .Min(50)
          .Max(100)
          .Unit("%"),
      Setting("confirm_frames", SettingType::kInt,
              "A person's temperature is the median of their last this many measurements; no "
              "alert before that many")
          .Default("5")
          .Min(1)
          .Max(100),
      Setting("blackbody_correction", SettingType::kBool,
              "Correct every frame by the blackbody reference (off: raw readings, for bench tests "
              "only)")
          .Default("true"),
      Setting("blackbody_x", SettingType::kInt, "Blackbody region, left edge")
          .Default("0")
          .Min(0)
          .Unit("px"),
      Setting("blackbody_y", SettingType::kInt, "Blackbody region, top edge")
          .Default("0")
          .Min(0)
          .Unit("px"),
      Setting("blackbody_width", SettingType::kInt,
              "Blackbody region width (inside the blackbody's aperture)")
          .Default("0")
          .Min(0)
          .Unit("px"),
      Setting("blackbody_height", SettingType::kInt, "Blackbody region height")
          .Default("0")
          .Min(0)
          .Unit("px"),
      Setting("blackbody_c", SettingType::kDouble, "Set temperature of the blackbody")
          .Default("35.0")
          .Min(20)
          .Max(50)
          .Unit("degC"),
      Setting("blackbody_tolerance_c", SettingType::kDouble,
              "Reference missing when its region reads further than this from the set temperature")
          .Default("3.0")
          .Min(0.1)
          .Unit("degC"),
      Setting("blackbody_max_std_c", SettingType::kDouble,
              "Reference moving when the spatial standard deviation in its region exceeds this")
          .Default("0.5")
          .Min(0.01)
          .Unit("degC"),
      Setting("blackbody_max_shift_px", SettingType::kDouble,
              "Reference moving when the centroid of its warm face moves further than this")
          .Default("2.0")
          .Min(0.1)
          .Unit("px"),
      Setting("blackbody_max_drift", SettingType::kDouble,
              "Reference unstable when its offset changes faster than this over blackbody_window")
          .Default("2.0")
          .Min(0.01)
          .Unit("degC/min"),
      Setting("blackbody_window", SettingType::kDuration, "Window the drift rate is measured over")
          .Default("10s")
          .Min(1000)
          .Unit("ms"),
      Setting("blackbody_recover_frames", SettingType::kInt,
              "Good reference frames in a row before screening resumes")
          .Default("5")
          .Min(1),
      Setting("skin_min_c", SettingType::kDouble, "Lower end of the skin-temperature band")
          .Default("30.0")
          .Unit("degC"),
      Setting("skin_max_c", SettingType::kDouble, "Upper end of the skin-temperature band")
          .Default("42.0")
          .Unit("degC"),
      Setting("min_face_area", SettingType::kInt, "Smallest warm region taken for a face")
          .Default("40")
          .Min(1)
          .Unit("px"),
      Setting("max_face_area", SettingType::kInt, "Largest warm region taken for a face")
          .Default("4000")
          .Min(1)
          .Unit("px"),
      Setting("min_aspect", SettingType::kDouble, "Smallest width/height of a face region")
          .Default("0.5")
          .Min(0.05),
      Setting("max_aspect", SettingType::kDouble, "Largest width/height of a face region")
          .Default("1.5")
          .Min(0.05),
      Setting("track_min_iou", SettingType::kDouble,
              "Overlap (IoU) that continues a person's track")
          .Default("0.2")
          .Min(0)
          .Max(1),
      Setting("track_max_jump_px", SettingType::kDouble,
              "Centre distance that continues a track without overlap")
          .Default("24")
          .Min(0)
          .Unit("px"),
      Setting("track_timeout", SettingType::kDuration, "A track unseen this long ends")
          .Default("1s")
          .Min(50)
          .Unit("ms"),
      Setting("ambient_coefficient", SettingType::kDouble,
              "Ambient compensation: adds coefficient * (ambient_reference_c - ambient) to the "
              "corrected temperature; 0: off")
          .Default("0")
          .Min(-1)
          .Max(1)
          .Unit("degC/degC"),
      Setting("ambient_reference_c", SettingType::kDouble,
              "Ambient temperature at which compensation is zero")
          .Default("24.0")
          .Unit("degC"),
      Setting("visible_input", SettingType::kString,
              "Driver instance of a paired visible camera (one of inputs); faces found there "
              "confirm thermal regions. Empty: thermal only")
          .Default(""),
      Setting("visible_to_thermal", SettingType::kList,
              "Homography mapping visible pixels to thermal pixels: the 3x3 matrix as 3 rows of "
              "3 numbers")
          .Item(ListItem(NumberItem(), 3))
          .Min(3)
          .Max(3)
          .AcceptsFlat()
          .Default("[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"),
      Setting("fusion_window", SettingType::kDuration,
              "Largest capture-time difference between a thermal frame and the visible frame "
              "whose faces it uses")
          .Default("200ms")
          .Min(1)
          .Unit("ms"),
      Setting("face_cascade", SettingType::kString, "Haar cascade for visible-frame faces")
          .Default(kDefaultCascade),
      Setting("min_face_px", SettingType::kInt, "Smallest face in the visible frame")
          .Default("40")
          .Min(8)
          .Unit("px"),
      Setting("evidence_image", SettingType::kBool,
              "Attach a pixelated thermal crop of the face to alerts (privacy: default off)")
          .Default("false"),
  };
}

}  // namespace

PipelineType SchemaType() {
  return {
      .name = "fever_screen",
      .description =
          "Elevated skin temperature screening on radiometric thermal frames, blackbody-referenced",
      .schema = Schema(),
      .consumes_frames = true,
      .create = {},
  };
}

}  // namespace cityedge::pipelines::fever_screen
