// SPDX-License-Identifier: Apache-2.0
#include "camera_info.hpp"

namespace cityedge::drivers::camera {
namespace {

constexpr const char* kBackends[] = {"auto", "ffmpeg", "v4l2", nullptr};
constexpr const char* kPaces[] = {"realtime", "fast", nullptr};
constexpr const char* kPixelFormats[] = {"bgr", "gray", nullptr};

constexpr ce_driver_setting_spec kSettings[] = {
    sdk::Setting("source", CE_DRIVER_SETTING_STRING,
                 "V4L2 device (/dev/video0), stream URL (rtsp://, http://) or video file")
        .Required(),
    sdk::Setting("backend", CE_DRIVER_SETTING_ENUM,
                 "VideoCapture backend; auto: v4l2 for /dev/video*, ffmpeg otherwise")
        .Allowed(kBackends)
        .Default("auto"),
    sdk::Setting("loop", CE_DRIVER_SETTING_BOOL, "Files: start over at the end").Default("true"),
    sdk::Setting("pace", CE_DRIVER_SETTING_ENUM,
                 "Files: realtime (at the file's frame rate) or fast (as fast as decoded)")
        .Allowed(kPaces)
        .Default("realtime"),
    sdk::Setting("pixel_format", CE_DRIVER_SETTING_ENUM, "Pixel format of emitted frames")
        .Allowed(kPixelFormats)
        .Default("bgr"),
    sdk::Setting("width", CE_DRIVER_SETTING_INT, "Devices: requested width; 0 keeps the device's")
        .Default("0")
        .Min(0)
        .Max(16384)
        .Unit("px"),
    sdk::Setting("height", CE_DRIVER_SETTING_INT, "Devices: requested height; 0 keeps the device's")
        .Default("0")
        .Min(0)
        .Max(16384)
        .Unit("px"),
    sdk::Setting("fps", CE_DRIVER_SETTING_DOUBLE,
                 "Devices: requested frame rate; 0 keeps the device's")
        .Default("0")
        .Min(0)
        .Max(1000)
        .Unit("Hz"),
    sdk::Setting("open_timeout", CE_DRIVER_SETTING_DURATION,
                 "Longest wait for a source to open (ffmpeg honours it; the watchdog adds 2 s for "
                 "other backends)")
        .Default("5s")
        .Min(100)
        .Max(120000)
        .Unit("ms"),
    sdk::Setting("read_timeout", CE_DRIVER_SETTING_DURATION,
                 "Longest wait inside one read (ffmpeg only)")
        .Default("5s")
        .Min(100)
        .Max(120000)
        .Unit("ms"),
    sdk::Setting("stall_timeout", CE_DRIVER_SETTING_DURATION,
                 "Frame age at which a stream counts as stalled and is reconnected")
        .Default("3s")
        .Min(100)
        .Max(600000)
        .Unit("ms"),
    sdk::Setting("backoff_initial", CE_DRIVER_SETTING_DURATION,
                 "First reconnect delay; doubles per failed attempt, jittered to 50-100 %")
        .Default("500ms")
        .Min(10)
        .Max(600000)
        .Unit("ms"),
    sdk::Setting("backoff_max", CE_DRIVER_SETTING_DURATION, "Cap of the reconnect delay")
        .Default("30s")
        .Min(10)
        .Max(3600000)
        .Unit("ms"),
    sdk::Setting("metrics_interval", CE_DRIVER_SETTING_DURATION,
                 "How often fps, decode_errors, reconnects and dropped_frames are emitted as "
                 "readings; 0: never")
        .Default("10s")
        .Min(0)
        .Max(86400000)
        .Unit("ms"),
};

}  // namespace

std::span<const ce_driver_setting_spec> CameraInfo::Schema() { return kSettings; }

}  // namespace cityedge::drivers::camera

CITYEDGE_DRIVER_SCHEMA(camera, cityedge::drivers::camera::CameraInfo)
