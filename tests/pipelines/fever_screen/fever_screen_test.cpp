// SPDX-License-Identifier: Apache-2.0
// fever_screen fed directly with synthetic radiometric frames made here: a
// 24 °C scene, a blackbody at 35.0 °C, people walking through with skin at
// 34.5-36.5 °C and one at 38.2 °C, and a sensor that drifts +0.8 °C over the
// sequence (every pixel, blackbody included). The inner canthus of each face
// reads 0.3 °C above the rest of the face, as in life.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "pipelines/fever_screen/fever_screen.hpp"
#include "pipelines/fever_screen/localiser.hpp"
#include "pipelines/framework.hpp"
#include "pipelines/vision/haar_face_detector.hpp"
#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines::fever_screen {
namespace {

using testing::kT0;
using vision::MakeHaarFaceDetector;

constexpr int kWidth = 160;
constexpr int kHeight = 120;
constexpr std::int64_t kFrameNs = 200'000'000;  // 5 frames/s
constexpr int kFrames = 240;
const cv::Rect kBlackbody(134, 4, 20, 20);        // the device
const cv::Rect kReferenceRegion(137, 7, 14, 14);  // configured, inside its aperture

struct Person {
  double skin_c;
  int first_frame;
  int y = 60;
};

// Febrile one third; the warmest normal person walks last, when drift is
// highest.
const std::vector<Person> kCrowd = {{35.2, 10}, {34.5, 50}, {38.2, 90}, {35.8, 130}, {36.5, 170}};

struct Scene {
  std::vector<Person> people = kCrowd;
  bool blackbody = true;
  double drift_c = 0.8;             // reached at the last frame, linear
  cv::Point blackbody_shift{0, 0};  // applied during [shift_from, shift_to)
  int shift_from = -1;
  int shift_to = -1;
  double extra_offset_per_frame = 0;                      // a fast-drifting sensor
  std::vector<std::pair<cv::Point, double>> hot_objects;  // not faces
};

cv::Point FaceCentre(const Person& p, int frame) {
  return {-15 + 3 * (frame - p.first_frame), p.y};
}

bool InView(const Person& p, int frame) {
  const int x = FaceCentre(p, frame).x;
  return frame >= p.first_frame && x > -10 && x < kWidth + 10;
}

void DrawFace(cv::Mat& c, cv::Point centre, double skin_c) {
  cv::rectangle(c, cv::Rect(centre.x - 14, centre.y + 13, 28, kHeight), cv::Scalar(28.0),
                cv::FILLED);  // clothed torso, below the skin band
  cv::ellipse(c, centre, cv::Size(9, 12), 0, 0, 360, cv::Scalar(skin_c), cv::FILLED);
  for (int side : {-1, 1}) {  // inner canthi
    cv::circle(c, centre + cv::Point(4 * side, -3), 2, cv::Scalar(skin_c + 0.3), cv::FILLED);
  }
}

cv::Mat Render(const Scene& s, int frame, cv::RNG& rng) {
  cv::Mat c(kHeight, kWidth, CV_32F, cv::Scalar(24.0));
  if (s.blackbody) {
    const bool shifted = frame >= s.shift_from && frame < s.shift_to;
    cv::rectangle(c, kBlackbody + (shifted ? s.blackbody_shift : cv::Point()), cv::Scalar(35.0),
                  cv::FILLED);
  }
  for (const auto& [at, temp] : s.hot_objects) {
    cv::ellipse(c, at, cv::Size(9, 12), 0, 0, 360, cv::Scalar(temp), cv::FILLED);
  }
  for (const Person& p : s.people) {
    if (InView(p, frame)) DrawFace(c, FaceCentre(p, frame), p.skin_c);
  }
  cv::Mat noise(c.size(), CV_32F);
  rng.fill(noise, cv::RNG::NORMAL, 0, 0.05);
  const double drift = s.drift_c * frame / (kFrames - 1) + s.extra_offset_per_frame * frame;
  return c + noise + drift;
}

// TLinear counts: centi-kelvin.
std::vector<std::uint16_t> ToCounts(const cv::Mat& celsius) {
  std::vector<std::uint16_t> counts(celsius.total());
  for (int i = 0; i < static_cast<int>(celsius.total()); ++i) {
    counts[i] = static_cast<std::uint16_t>(std::lround((celsius.at<float>(i) + 273.15) * 100));
  }
  return counts;
}

// Finds white rectangles in a grey frame: a stand-in for a face detector on
// the synthetic visible stream, where faces are drawn as white boxes.
class BoxFaceDetector final : public FaceDetector {
 public:
  std::vector<cv::Rect> Detect(const cv::Mat& gray) override {
    cv::Mat bright;
    cv::threshold(gray, bright, 128, 255, cv::THRESH_BINARY);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(bright, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    std::vector<cv::Rect> faces;
    for (const auto& c : contours) faces.push_back(cv::boundingRect(c));
    ++calls;
    return faces;
  }
  int calls = 0;
};

class Run {
 public:
  Run(const std::map<std::string, std::string>& overrides, std::vector<std::string> inputs,
      std::unique_ptr<FaceDetector> detector = nullptr) {
    std::map<std::string, std::string> yaml = {
        {"blackbody_x", std::to_string(kReferenceRegion.x)},
        {"blackbody_y", std::to_string(kReferenceRegion.y)},
        {"blackbody_width", std::to_string(kReferenceRegion.width)},
        {"blackbody_height", std::to_string(kReferenceRegion.height)}};
    for (const auto& [k, v] : overrides) yaml[k] = v;
    const config::Settings settings = testing::MakeSettings(Type().schema, yaml);
    auto created = CreateWithDetector(settings, Context{"gate", std::move(inputs), &sink, &clock},
                                      std::move(detector));
    INFO((created ? "" : created.error().ToString()));
    REQUIRE(created.has_value());
    pipeline = std::move(*created);
  }

  void Announce(double gain = 0.01, double offset = -273.15) {
    v1::Timestamp t;
    t.set_wall_unix_ns(kT0);
    pipeline->OnSample(Sample{"ir1", "radiometric_gain", gain, "degC/count", v1::QUALITY_GOOD, &t});
    pipeline->OnSample(Sample{"ir1", "radiometric_offset", offset, "degC", v1::QUALITY_GOOD, &t});
  }

  void FeedThermal(const cv::Mat& celsius, int frame) {
    const std::vector<std::uint16_t> counts = ToCounts(celsius);
    Frame f;
    f.source = "ir1";
    f.format = PixelFormat::kY16;
    f.width = kWidth;
    f.height = kHeight;
    f.stride = kWidth * 2;
    f.data = reinterpret_cast<const std::uint8_t*>(counts.data());
    f.capture_time.set_wall_unix_ns(kT0 + frame * kFrameNs);
    pipeline->OnFrame(f);
  }

  // A 640x480 grey visible frame captured `offset_ns` from thermal frame
  // `frame`, with the faces of `boxes` (visible pixels) drawn white.
  void FeedVisible(const std::vector<cv::Rect>& boxes, int frame, std::int64_t offset_ns) {
    auto image = std::make_shared<cv::Mat>(480, 640, CV_8UC1, cv::Scalar(40));
    for (const cv::Rect& b : boxes) cv::rectangle(*image, b, cv::Scalar(255), cv::FILLED);
    Frame f;
    f.source = "cam1";
    f.format = PixelFormat::kGray8;
    f.width = 640;
    f.height = 480;
    f.stride = 640;
    f.data = image->data;
    f.hold = image;
    f.capture_time.set_wall_unix_ns(kT0 + frame * kFrameNs + offset_ns);
    pipeline->OnFrame(f);
  }

  void Play(const Scene& scene) {
    cv::RNG rng(20240601);
    Announce();
    for (int f = 0; f < kFrames; ++f) FeedThermal(Render(scene, f, rng), f);
  }

  [[nodiscard]] std::vector<v1::FeverAlert> Alerts() const {
    std::vector<v1::FeverAlert> out;
    for (const v1::Event& e : sink.Events()) {
      if (e.has_fever_alert()) out.push_back(e.fever_alert());
    }
    return out;
  }
  [[nodiscard]] std::vector<v1::DriverStatus> Statuses() const {
    std::vector<v1::DriverStatus> out;
    for (const v1::Event& e : sink.Events()) {
      if (e.has_driver_status()) out.push_back(e.driver_status());
    }
    return out;
  }

  fakes::RecordingSink sink;
  fakes::FakeClock clock;
  std::unique_ptr<Pipeline> pipeline;
};

std::string Describe(const std::vector<v1::FeverAlert>& alerts) {
  std::string text;
  for (const auto& a : alerts) {
    text += fmt::format("track {} at x={} corrected {:.2f} measured {:.2f}\n", a.track_id(),
                        a.region_x(), a.corrected_c(), a.measured_c());
  }
  return text;
}

TEST_CASE("Under drift, exactly the febrile person is alerted, exactly once") {
  Run run({}, {"ir1"});
  run.Play(Scene{});
  const auto alerts = run.Alerts();
  INFO(Describe(alerts));
  REQUIRE(alerts.size() == 1);
  const v1::FeverAlert& a = alerts[0];
  CHECK(a.corrected_c() == Approx(38.5).margin(0.3));  // 38.2 skin, canthus +0.3
  CHECK(a.measured_c() > a.corrected_c());             // the sensor had drifted warm
  CHECK(a.threshold_c() == Approx(37.3));
  CHECK(a.reference_c() == Approx(35.0));
  CHECK(a.reference_measured_c() == Approx(35.0 + a.measured_c() - a.corrected_c()).margin(0.05));
  CHECK(a.reference_measured_c() > 35.1);
  CHECK(a.confidence() > 0.5);
  CHECK(a.confidence() <= 1.0);
  CHECK(a.measurements() == 5);
  CHECK(a.percentile() == Approx(95));
  CHECK(a.ambient_compensation_c() == 0);
  CHECK(a.ambient_c() == Approx(24.4).margin(0.5));
  CHECK(a.evidence_jpeg().empty());  // no image unless enabled
  CHECK_THAT(a.statement(),
             Catch::Contains("elevated skin temperature") && Catch::Contains("not a diagnosis"));
  // The region is a head: about 19 x 25 px, on the walking line.
  CHECK(a.region_width() >= 12);
  CHECK(a.region_height() >= 18);
  CHECK(a.region_y() + a.region_height() / 2 == Approx(60).margin(3));
  const std::vector<v1::Event> events = run.sink.Events();
  const v1::Event& event = *std::find_if(events.begin(), events.end(),
                                         [](const v1::Event& e) { return e.has_fever_alert(); });
  CHECK(event.priority() == v1::PRIORITY_CLASS_ALARM);
  CHECK(event.source() == "ir1/gate");
  // Screening went online once and stayed there.
  const auto statuses = run.Statuses();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state() == v1::COMPONENT_STATE_ONLINE);
  CHECK(statuses[0].instance() == "gate");
}

TEST_CASE("Without blackbody correction the same drift raises a false alert") {
  Run run({{"blackbody_correction", "false"}}, {"ir1"});
  run.Play(Scene{});
  const auto alerts = run.Alerts();
  INFO(Describe(alerts));
  // The febrile person, and the 36.5 °C person whom the drift pushed over.
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].corrected_c() > 38.0);
  CHECK(alerts[1].corrected_c() > 37.3);
  CHECK(alerts[1].corrected_c() < 37.8);
  CHECK(alerts[0].track_id() != alerts[1].track_id());
}

TEST_CASE("With the blackbody removed, screening is degraded and alerts nothing") {
  Run run({}, {"ir1"});
  Scene scene;
  scene.blackbody = false;
  run.Play(scene);
  CHECK(run.Alerts().empty());
  const auto statuses = run.Statuses();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state() == v1::COMPONENT_STATE_DEGRADED);
  CHECK_THAT(statuses[0].reason(), Catch::Contains("no alerts") && Catch::Contains("missing"));
}

TEST_CASE("A moved blackbody suspends screening until it is back; recovery is reported") {
  Run run({}, {"ir1"});
  Scene scene;
  scene.blackbody_shift = {-7, 6};
  scene.shift_from = 60;
  scene.shift_to = 75;
  run.Play(scene);
  const auto statuses = run.Statuses();
  REQUIRE(statuses.size() == 3);
  CHECK(statuses[0].state() == v1::COMPONENT_STATE_ONLINE);
  CHECK(statuses[1].state() == v1::COMPONENT_STATE_DEGRADED);
  CHECK_THAT(statuses[1].reason(), Catch::Contains("moving") || Catch::Contains("moved"));
  CHECK(statuses[2].state() == v1::COMPONENT_STATE_ONLINE);
  CHECK(statuses[2].previous_state() == v1::COMPONENT_STATE_DEGRADED);
  CHECK(run.Alerts().size() == 1);
}

TEST_CASE("A fast-drifting reference is unstable: no alerts while it lasts") {
  Run run({}, {"ir1"});
  Scene scene;
  scene.drift_c = 0;
  scene.extra_offset_per_frame = 0.02;  // 0.1 °C/s = 6 °C/min; stays within tolerance for 30 s
  scene.people = {{38.2, 40}};          // arrives once the drift is plain
  cv::RNG rng(7);
  run.Announce();
  for (int f = 0; f < 140; ++f) run.FeedThermal(Render(scene, f, rng), f);
  const auto statuses = run.Statuses();
  REQUIRE_FALSE(statuses.empty());
  CHECK(statuses.back().state() == v1::COMPONENT_STATE_DEGRADED);
  bool unstable = false;
  for (const auto& s : statuses) unstable |= s.reason().find("unstable") != std::string::npos;
  CHECK(unstable);
  CHECK(run.Alerts().empty());
}

TEST_CASE("Frames wait for the driver's radiometric conversion") {
  Run run({}, {"ir1"});
  cv::RNG rng(1);
  run.FeedThermal(Render(Scene{}, 0, rng), 0);
  const auto statuses = run.Statuses();
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].state() == v1::COMPONENT_STATE_DEGRADED);
  CHECK_THAT(statuses[0].reason(), Catch::Contains("radiometric_gain"));
}

TEST_CASE("Fusion with the visible camera picks the warm region that has a face") {
  // A hot kettle at 39.5 °C that a thermal-only screen would take for a face,
  // and the febrile person walking past. Only the person has a face.
  Scene scene;
  scene.people = {{38.2, 10}};
  scene.hot_objects = {{cv::Point(40, 20), 39.5}};
  // Visible 640x480 maps to thermal 160x120 by a quarter, shifted 2 px right.
  const std::string h = "[[0.25, 0, 2], [0, 0.25, 0], [0, 0, 1]]";

  auto play = [&](Run& run, bool fused) {
    cv::RNG rng(3);
    run.Announce();
    for (int f = 0; f < 80; ++f) {
      if (fused) {
        std::vector<cv::Rect> faces;
        if (InView(scene.people[0], f)) {
          const cv::Point c = FaceCentre(scene.people[0], f);
          faces.emplace_back((c.x - 9 - 2) * 4, (c.y - 12) * 4, 18 * 4, 24 * 4);
        }
        run.FeedVisible(faces, f, -30'000'000);  // 30 ms before the thermal frame
      }
      run.FeedThermal(Render(scene, f, rng), f);
    }
  };

  Run thermal_only({}, {"ir1"});
  play(thermal_only, false);
  INFO("thermal only:\n" << Describe(thermal_only.Alerts()));
  CHECK(thermal_only.Alerts().size() == 2);  // the kettle fools it

  auto detector = std::make_unique<BoxFaceDetector>();
  BoxFaceDetector* fake = detector.get();
  Run fused({{"visible_input", "cam1"}, {"visible_to_thermal", h}}, {"ir1", "cam1"},
            std::move(detector));
  play(fused, true);
  const auto alerts = fused.Alerts();
  INFO("fused:\n" << Describe(alerts));
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].face_confirmed());
  CHECK(alerts[0].corrected_c() == Approx(38.5).margin(0.3));
  CHECK(alerts[0].region_y() > 40);  // the walking line, not the kettle at y 8..32
  CHECK(fake->calls > 0);
}

TEST_CASE("Fusion refuses visible frames outside the time window") {
  auto detector = std::make_unique<BoxFaceDetector>();
  Run run({{"visible_input", "cam1"}, {"fusion_window", "100ms"}}, {"ir1", "cam1"},
          std::move(detector));
  Scene scene;
  scene.people = {{38.2, 10}};
  cv::RNG rng(5);
  run.Announce();
  for (int f = 0; f < 60; ++f) {
    run.FeedVisible({cv::Rect(0, 0, 640, 480)}, f, -150'000'000);  // 150 ms stale
    run.FeedThermal(Render(scene, f, rng), f);
  }
  CHECK(run.Alerts().empty());
  const auto statuses = run.Statuses();
  REQUIRE_FALSE(statuses.empty());
  CHECK(statuses.back().state() == v1::COMPONENT_STATE_DEGRADED);
  CHECK_THAT(statuses.back().reason(), Catch::Contains("visible camera cam1"));
}

TEST_CASE("Evidence images, when enabled, are pixelated JPEGs") {
  Run run({{"evidence_image", "true"}}, {"ir1"});
  run.Play(Scene{});
  const auto alerts = run.Alerts();
  REQUIRE(alerts.size() == 1);
  const std::string& jpeg = alerts[0].evidence_jpeg();
  REQUIRE(jpeg.size() > 100);
  const cv::Mat image =
      cv::imdecode(std::vector<std::uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(image.empty());
  // 4x4 blocks: each block of the image is (nearly) one value.
  const int bw = image.cols / 4;
  const int bh = image.rows / 4;
  cv::Scalar mean, stddev;
  cv::meanStdDev(image(cv::Rect(bw + 2, bh + 2, bw - 4, bh - 4)), mean, stddev);
  CHECK(stddev[0] < 6);
}

TEST_CASE("The ambient hook adds its compensation") {
  Run run({{"ambient_coefficient", "0.5"}, {"ambient_reference_c", "30"}}, {"ir1"});
  run.Play(Scene{});
  const auto alerts = run.Alerts();
  REQUIRE_FALSE(alerts.empty());
  // Scene at ~24 °C against a 30 °C reference: +0.5 * 6 = ~+3 °C.
  CHECK(alerts[0].ambient_compensation_c() == Approx(3.0).margin(0.3));
  CHECK(alerts.size() > 1);  // that much compensation pushes normal people over
}

TEST_CASE("Settings that cannot work are refused") {
  const auto refused = [](const std::map<std::string, std::string>& yaml,
                          std::vector<std::string> inputs) {
    fakes::RecordingSink sink;
    fakes::FakeClock clock;
    auto created = Type().create(testing::MakeSettings(Type().schema, yaml),
                                 Context{"gate", std::move(inputs), &sink, &clock});
    REQUIRE_FALSE(created.has_value());
    return created.error().message();
  };
  CHECK_THAT(refused({}, {"ir1"}), Catch::Contains("blackbody_width"));
  const std::map<std::string, std::string> placed = {{"blackbody_width", "8"},
                                                     {"blackbody_height", "8"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    extra.insert(placed.begin(), placed.end());
    return extra;
  };
  CHECK_THAT(refused(with({{"visible_input", "cam9"}}), {"ir1", "cam1"}),
             Catch::Contains("'cam9' is not one of the pipeline's inputs"));
  CHECK_THAT(refused(with({{"visible_input", "cam1"},
                           {"visible_to_thermal", "[[1, 2, 0], [2, 4, 0], [0, 0, 1]]"}}),
                     {"ir1", "cam1"}),
             Catch::Contains("visible_to_thermal is singular"));
  CHECK_THAT(refused(with({{"visible_input", "cam1"}, {"face_cascade", "/nonexistent.xml"}}),
                     {"ir1", "cam1"}),
             Catch::Contains("/nonexistent.xml"));
  CHECK_THAT(refused(with({{"skin_min_c", "40"}, {"skin_max_c", "35"}}), {"ir1"}),
             Catch::Contains("skin_min_c"));
}

TEST_CASE("The homography is three rows of three numbers, each named by its key path") {
  std::vector<config::Problem> warnings;
  const auto rows = testing::ValidateSettings(
      Type().schema, {{"visible_to_thermal", "[[0.25, 0, 2], [0, 0.25, 0], [0, 0, 1]]"}},
      &warnings);
  REQUIRE(rows.has_value());
  CHECK(warnings.empty());
  CHECK(rows->GetNumberLists("visible_to_thermal") ==
        std::vector<std::vector<double>>{{0.25, 0, 2}, {0, 0.25, 0}, {0, 0, 1}});
  const auto identity = testing::ValidateSettings(Type().schema, {});
  REQUIRE(identity.has_value());
  CHECK(identity->GetNumberLists("visible_to_thermal") ==
        std::vector<std::vector<double>>{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});

  const auto bad = testing::ValidateSettings(
      Type().schema, {{"visible_to_thermal", "[[1, 0], [0, 1, x], [0, 0, 1], [0, 0, 1]]"}});
  REQUIRE_FALSE(bad.has_value());
  const std::string text = config::FormatProblems(bad.error());
  INFO(text);
  CHECK_THAT(text,
             Catch::Contains("settings.visible_to_thermal: must have exactly 3 items, got 4"));
  CHECK_THAT(text,
             Catch::Contains("settings.visible_to_thermal[0]: must have exactly 3 items, got 2"));
  CHECK_THAT(text,
             Catch::Contains("settings.visible_to_thermal[1][2]: expected a number, got \"x\""));
  CHECK(bad.error().size() == 3);
}

TEST_CASE("The flat homography of earlier releases is read as its rows, with a warning") {
  std::vector<config::Problem> warnings;
  const auto flat = testing::ValidateSettings(
      Type().schema, {{"visible_to_thermal", "[0.25, 0, 2, 0, 0.25, 0, 0, 0, 1]"}}, &warnings);
  REQUIRE(flat.has_value());
  CHECK(flat->GetNumberLists("visible_to_thermal") ==
        std::vector<std::vector<double>>{{0.25, 0, 2}, {0, 0.25, 0}, {0, 0, 1}});
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0].ToString(),
             Catch::Contains("settings.visible_to_thermal: a flat list is deprecated and will be "
                             "removed; write it as rows of 3: [[0.25, 0, 2], [0, 0.25, 0], "
                             "[0, 0, 1]]"));
  // Eight numbers are neither form.
  const auto eight = testing::ValidateSettings(
      Type().schema, {{"visible_to_thermal", "[0.25, 0, 2, 0, 0.25, 0, 0, 0]"}});
  REQUIRE_FALSE(eight.has_value());
  CHECK_THAT(config::FormatProblems(eight.error()),
             Catch::Contains("settings.visible_to_thermal: expected a list of [number, number, "
                             "number], got a value; read as the deprecated flat form it needs 9 "
                             "numbers, got 8"));
}

TEST_CASE("Percentile is nearest-rank over the masked values") {
  cv::Mat v(1, 10, CV_32F);
  for (int i = 0; i < 10; ++i) v.at<float>(i) = static_cast<float>(i + 1);
  CHECK(Percentile(v, cv::Mat(), 95) == 10);
  CHECK(Percentile(v, cv::Mat(), 50) == 5);
  cv::Mat mask = cv::Mat::zeros(1, 10, CV_8U);
  mask.colRange(0, 4).setTo(255);
  CHECK(Percentile(v, mask, 100) == 4);
  CHECK(std::isnan(Percentile(v, cv::Mat::zeros(1, 10, CV_8U), 95)));
}

std::string MediaDir() {
  const char* dir = std::getenv("CITYEDGE_MEDIA_DIR");
  REQUIRE(dir != nullptr);
  return dir;
}

TEST_CASE("The Haar face detector finds a real face pasted into a synthetic visible frame") {
  const cv::Mat photo = cv::imread(MediaDir() + "/messi5.jpg", cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(photo.empty());
  auto detector = MakeHaarFaceDetector(
      "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml", 24);
  REQUIRE(detector.has_value());
  const std::vector<cv::Rect> in_photo = (*detector)->Detect(photo);
  REQUIRE_FALSE(in_photo.empty());
  // The face with a margin, pasted at a known place on a plain frame.
  // The largest detection: the player's face in the foreground.
  const cv::Rect face =
      *std::max_element(in_photo.begin(), in_photo.end(),
                        [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
  INFO("face in photo at " << face.x << "," << face.y << " " << face.width << "x" << face.height
                           << " of " << in_photo.size());
  const cv::Rect crop =
      cv::Rect(face.x - face.width / 2, face.y - face.height / 2, face.width * 2, face.height * 2) &
      cv::Rect(0, 0, photo.cols, photo.rows);
  // A plain wall, lit from one side.
  cv::Mat canvas(480, 640, CV_8UC1);
  for (int x = 0; x < canvas.cols; ++x) canvas.col(x).setTo(60 + x * 120 / canvas.cols);
  const cv::Point at(380, 150);
  photo(crop).copyTo(canvas(cv::Rect(at, crop.size())));
  const std::vector<cv::Rect> found = (*detector)->Detect(canvas);
  REQUIRE_FALSE(found.empty());
  const cv::Rect expected(at + (face.tl() - crop.tl()), face.size());
  double best_iou = 0;
  for (const cv::Rect& f : found) {
    best_iou =
        std::max(best_iou, static_cast<double>((f & expected).area()) / (f | expected).area());
    CHECK((f & cv::Rect(at, crop.size())) == f);  // nothing found on the bare wall
  }
  CHECK(best_iou > 0.5);
  cv::Mat wall(480, 640, CV_8UC1);
  for (int x = 0; x < wall.cols; ++x) wall.col(x).setTo(60 + x * 120 / wall.cols);
  CHECK((*detector)->Detect(wall).empty());
}

}  // namespace
}  // namespace cityedge::pipelines::fever_screen
