// SPDX-License-Identifier: Apache-2.0
#include "thermal_info.hpp"

namespace cityedge::drivers::thermal {
namespace {

constexpr const char* kSources[] = {"v4l2", "pgm", "raw", nullptr};
constexpr const char* kRadiometries[] = {"tlinear", "linear", nullptr};

constexpr ce_driver_setting_spec kSettings[] = {
    sdk::Setting("source", CE_DRIVER_SETTING_ENUM,
                 "Where frames come from: v4l2 (UVC Y16 device), pgm or raw (folder of frame "
                 "files, played in name order)")
        .Allowed(kSources)
        .Default("v4l2"),
    sdk::Setting("device", CE_DRIVER_SETTING_STRING, "V4L2 device node (source v4l2)")
        .Default("/dev/video0"),
    sdk::Setting("path", CE_DRIVER_SETTING_STRING,
                 "Folder of *.pgm or *.raw frame files (source pgm or raw)")
        .Default(""),
    sdk::Setting("width", CE_DRIVER_SETTING_INT,
                 "Frame width: required for raw files; for a device 0 keeps its current size")
        .Default("0")
        .Min(0)
        .Max(4096)
        .Unit("px"),
    sdk::Setting("height", CE_DRIVER_SETTING_INT,
                 "Frame height: required for raw files; for a device 0 keeps its current size")
        .Default("0")
        .Min(0)
        .Max(4096)
        .Unit("px"),
    sdk::Setting("fps", CE_DRIVER_SETTING_DOUBLE,
                 "Files are played at this rate (0: as fast as possible); a device is asked for "
                 "it (0: its own rate)")
        .Default("9")
        .Min(0)
        .Max(1000)
        .Unit("1/s"),
    sdk::Setting("loop", CE_DRIVER_SETTING_BOOL, "Start the file sequence over at its end")
        .Default("false"),
    sdk::Setting("radiometry", CE_DRIVER_SETTING_ENUM,
                 "Counts to temperature: tlinear (count = centi-kelvin, 0.01 K resolution, as "
                 "Lepton TLinear) or linear (gain and offset)")
        .Allowed(kRadiometries)
        .Default("tlinear"),
    sdk::Setting("gain", CE_DRIVER_SETTING_DOUBLE,
                 "Linear radiometry: degC = gain * count + offset")
        .Default("0.01")
        .Unit("degC/count"),
    sdk::Setting("offset", CE_DRIVER_SETTING_DOUBLE, "Linear radiometry: see gain")
        .Default("-273.15")
        .Unit("degC"),
    sdk::Setting("stall_timeout", CE_DRIVER_SETTING_DURATION,
                 "Device: reopen it when no complete frame arrived for this long")
        .Default("3s")
        .Min(200)
        .Max(600'000)
        .Unit("ms"),
    sdk::Setting("announce_interval", CE_DRIVER_SETTING_DURATION,
                 "How often the conversion is repeated as radiometric_gain/radiometric_offset "
                 "readings")
        .Default("10s")
        .Min(1000)
        .Max(3'600'000)
        .Unit("ms"),
};

}  // namespace

std::span<const ce_driver_setting_spec> ThermalInfo::Schema() { return kSettings; }

}  // namespace cityedge::drivers::thermal

CITYEDGE_DRIVER_SCHEMA(thermal, cityedge::drivers::thermal::ThermalInfo)
