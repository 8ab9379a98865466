// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/admission.hpp"

#include <catch2/catch.hpp>

namespace cityedge::vision {
namespace {

const std::set<std::string, std::less<>> kOwn = {"cam1", "thermal1", "fever"};

v1::Event Count(const std::string& source) {
  v1::Event e;
  e.set_source(source);
  e.set_seq(77);
  e.set_priority(v1::PRIORITY_CLASS_DETECTION);
  e.mutable_people_count()->set_count(3);
  return e;
}

TEST_CASE("The core admits a worker's own detections and numbers them itself") {
  v1::Event e = Count("cam1/people");
  CHECK(AdmitEvent(kOwn, &e).empty());
  CHECK(e.seq() == 0);

  v1::Event status;
  status.set_source("thermal1");
  status.set_priority(v1::PRIORITY_CLASS_HEALTH);
  status.mutable_driver_status()->set_state(v1::COMPONENT_STATE_ONLINE);
  CHECK(AdmitEvent(kOwn, &status).empty());

  v1::Event alert;
  alert.set_source("fever");
  alert.set_priority(v1::PRIORITY_CLASS_ALARM);
  alert.mutable_fever_alert()->set_corrected_c(38.9);
  CHECK(AdmitEvent(kOwn, &alert).empty());
}

TEST_CASE("The core refuses events a worker has no business sending") {
  SECTION("from an instance of another worker or of the core") {
    v1::Event e = Count("door9/people");
    CHECK(AdmitEvent(kOwn, &e) == "an event from 'door9/people', not one of its instances");
    v1::Event prefix = Count("cam10");
    CHECK_FALSE(AdmitEvent(kOwn, &prefix).empty());
  }
  SECTION("of a kind only the core sends") {
    v1::Event gap;
    gap.set_source("cam1");
    gap.mutable_gap_record()->set_last_seq(5);
    CHECK(AdmitEvent(kOwn, &gap) == "a gap_record event from 'cam1', which only the core sends");
    v1::Event health;
    health.set_source("cam1");
    health.mutable_gateway_health();
    CHECK_THAT(AdmitEvent(kOwn, &health), Catch::Contains("gateway_health"));
    v1::Event clock;
    clock.set_source("cam1");
    clock.mutable_clock_correction();
    CHECK_THAT(AdmitEvent(kOwn, &clock), Catch::Contains("clock_correction"));
  }
  SECTION("with no body") {
    v1::Event empty;
    empty.set_source("cam1");
    CHECK(AdmitEvent(kOwn, &empty) == "an event from 'cam1' with no body");
  }
  SECTION("in the gap class or a class that does not exist") {
    v1::Event e = Count("cam1/people");
    e.set_priority(v1::PRIORITY_CLASS_GAP);
    CHECK_THAT(AdmitEvent(kOwn, &e), Catch::Contains("priority class 3"));
    e.set_priority(static_cast<v1::PriorityClass>(99));
    CHECK_THAT(AdmitEvent(kOwn, &e), Catch::Contains("priority class 99"));
    CHECK(e.seq() == 77);  // refused events are left as they came
  }
}

}  // namespace
}  // namespace cityedge::vision
