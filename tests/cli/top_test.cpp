// SPDX-License-Identifier: Apache-2.0
// `cityedge top`'s view: rates and the drain from successive snapshots, and
// lines that fit 80x24 and 132x43 with a sparkline per reading channel.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "daemon/cli/top.hpp"

namespace cityedge::cli {
namespace {

Snapshot Look(double seconds, double rows, double acked, double readings) {
  Snapshot s;
  s.steady_ns = static_cast<std::int64_t>(seconds * 1e9);
  s.status = {{"gateway", "gw-1"},          {"site", "Bridge St"},
              {"uptime", "3 min"},          {"config_hash", "0123456789abcdef"},
              {"clock", "CLOCK_STATE_NTP"}, {"uplink", "connected to tcp://broker:1883"},
              {"session_seq", "4"},         {"journal", "ok"}};
  s.backlog = {{"queued_rows", std::to_string(static_cast<int>(rows))},
               {"queued_bytes", "20480"},
               {"oldest_queued", "40 s"},
               {"evicted_total", "0"},
               {"events_acked", std::to_string(static_cast<int>(acked))},
               {"publish_p99_ms", "12.5"},
               {"rows.telemetry", std::to_string(static_cast<int>(rows))}};
  s.drivers = {Row{"aq1",
                   {{"type", "modbus"},
                    {"state", "COMPONENT_STATE_ONLINE"},
                    {"readings", std::to_string(static_cast<int>(readings))},
                    {"frames", "0"}}},
               Row{"gauge",
                   {{"type", "sdi12"},
                    {"state", "COMPONENT_STATE_OFFLINE"},
                    {"reason", "no answer from address 0"},
                    {"readings", "0"},
                    {"frames", "0"}}}};
  s.pipelines = {Row{"aqi", {{"type", "aqi"}, {"samples", std::to_string(int(readings))}}}};
  s.metrics["cityedge_disk_free_bytes"] = 3.5 * 1024 * 1024 * 1024;
  for (const char* channel : {"pm2_5", "pm10"}) {
    v1::ValueSeries series;
    series.set_instance("aq1");
    series.set_channel(channel);
    series.set_unit("ug/m3");
    for (int i = 0; i < 60; ++i) series.add_values(i % 10 == 3 ? NAN : 10 + i % 7);
    s.series.push_back(series);
  }
  return s;
}

std::string Screen(const TopView& view, int width, int height) {
  const auto lines = view.Render({width, height, true});
  CHECK(lines.size() <= static_cast<std::size_t>(height));
  for (const Line& line : lines) {
    std::string text;
    for (const Span& span : line) text += span.text;
    INFO(text);
    CHECK(Columns(text) <= width);
  }
  return PlainText(lines);
}

TEST_CASE("top shows the uplink, the drain with rate and ETA, and a sparkline per channel") {
  TopView view;
  view.Add(Look(0, 400, 1000, 100));
  view.Add(Look(1, 300, 1120, 110));
  for (const auto& [width, height] : {std::pair{80, 24}, std::pair{132, 43}}) {
    const std::string screen = Screen(view, width, height);
    INFO(screen);
    CHECK_THAT(screen, Catch::Contains("uplink   connected to tcp://broker:1883"));
    CHECK_THAT(screen, Catch::Contains("p99 12.5 ms  out 120.0 ev/s"));
    CHECK_THAT(screen, Catch::Contains(" 25%  100 ev/s  ETA 3 s"));  // 100 of the 400 sent
    CHECK_THAT(screen, Catch::Contains("disk free 3.5 GiB"));
    CHECK_THAT(screen, Catch::Contains("synchronised (NTP)"));
    CHECK_THAT(screen, Catch::Contains("pm2_5"));
    CHECK_THAT(screen, Catch::Contains("pm10"));
    CHECK_THAT(screen, Catch::Contains("▁"));
    CHECK_THAT(screen, Catch::Contains("no answer from address 0"));
    CHECK_THAT(screen, Catch::Contains("OFFLINE"));
  }
  // Wider terminals get longer sparklines.
  CHECK(Columns(Screen(view, 132, 43)) > Columns(Screen(view, 80, 24)));
}

TEST_CASE("top says when the backlog grows while the uplink is down") {
  TopView view;
  Snapshot a = Look(0, 100, 0, 0);
  Snapshot b = Look(1, 150, 0, 10);
  a.status[5].second = b.status[5].second = "disconnected: connection refused by broker:1883";
  view.Add(a);
  view.Add(b);
  const std::string screen = Screen(view, 80, 24);
  CHECK_THAT(screen, Catch::Contains("disconnected: connection refused"));
  CHECK_THAT(screen, Catch::Contains("waiting for the uplink"));
}

TEST_CASE("top cuts what does not fit and says so") {
  TopView view;
  Snapshot s = Look(0, 0, 0, 0);
  for (int i = 0; i < 40; ++i) {
    s.drivers.push_back(Row{"d" + std::to_string(i), {{"state", "COMPONENT_STATE_ONLINE"}}});
  }
  view.Add(s);
  const std::string screen = Screen(view, 80, 24);
  CHECK_THAT(screen, Catch::Contains("more line(s): a taller terminal shows them"));
  CHECK_THAT(screen, Catch::Contains("no backlog: events go out live"));
}

TEST_CASE("sparklines scale between min and max, leave gaps blank, and fall back to ASCII") {
  CHECK(Sparkline({1, 2, 3, 4, 5, 6, 7, 8}, 8, true) == "▁▂▃▄▅▆▇█");
  CHECK(Sparkline({0, NAN, 7}, 8, false) == "_ #");
  CHECK(Sparkline({5, 5}, 8, false) == "::");
  CHECK(Sparkline({1, 2, 3, 4}, 2, false) == "_#");  // the newest values
  CHECK(Bar(0.5, 4, false) == "##..");
  CHECK(Bar(2, 3, true) == "███");
  CHECK(Duration(45) == "45 s");
  CHECK(Duration(600) == "10 min");
  CHECK(Bytes(1536) == "1.5 KiB");
}

TEST_CASE("Prometheus text and list replies parse back") {
  const auto metrics = ParseMetrics(
      "# HELP x y\n# TYPE x gauge\ncityedge_disk_free_bytes 1234\n"
      "cityedge_driver_state{driver=\"a b\",state=\"ONLINE\"} 1\nbad line\n");
  CHECK(metrics.at("cityedge_disk_free_bytes") == 1234);
  CHECK(metrics.at("cityedge_driver_state{driver=\"a b\",state=\"ONLINE\"}") == 1);
  CHECK(metrics.size() == 2);
  v1::CommandReply reply;
  for (const auto& [k, v] : {std::pair{"b.type", "x"}, {"a.type", "y"}, {"b.state", "ON"}}) {
    auto* kv = reply.add_fields();
    kv->set_key(k);
    kv->set_value(v);
  }
  const auto rows = ParseRows(reply);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == "b");
  CHECK(rows[0].Cell("state") == "ON");
}

}  // namespace
}  // namespace cityedge::cli
