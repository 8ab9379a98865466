#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of the install layout and the .debs built from a build tree.

  deb_check.py deb BUILD_DIR --arch ARCH --version V [--cli] [--vision]
               [--installed-worker PATH] [--emulator CMD]
      Runs cpack -G DEB from BUILD_DIR into a scratch folder, which must hold
      cityedge_V_ARCH.deb and, with --vision, cityedge-vision_V_ARCH.deb and
      nothing else. Then checks the core package, cityedge: its control
      fields (dpkg-deb -f and -I: name, version, architecture, library Depends
      without OpenCV or any video library, conffiles, maintainer scripts), its
      file list (dpkg-deb -c: the FHS layout, nothing else, no vision worker;
      man pages, bash completion), its DEP-5 copyright
      (Apache-2.0) and Debian changelog,
      and the unpacked files (dpkg-deb -x into a scratch root): the unit as
      shipped, `cityedged --version`, `cityedged --check-config` on the shipped
      config, and systemd-sysusers and systemd-tmpfiles --root creating the
      user and folders as postinst would. A config with a camera fails
      --check-config with exit 78 naming cityedge-vision while the core is
      unpacked alone (unless a worker is installed on this machine at
      PATH, the path compiled into the core).
      With --vision, the worker's package, cityedge-vision: its control fields
      (Depends on cityedge of the same version and on OpenCV), its file list
      (the worker at /usr/lib/cityedge/cityedge-vision, nothing else), and,
      with both unpacked into one root, the camera config passing
      --check-config. A simulated install (apt-get -s, offline: it reads the
      local package lists and the installed packages) of cityedge alone and of
      both must succeed, and of cityedge-vision alone must fail (its core is
      missing); skipped when ARCH is not this machine's dpkg architecture.
      With --emulator the unpacked ARM binaries run through it (qemu-user).

  deb_check.py lintian BUILD_DIR --arch ARCH --version V [--vision]
      Runs cpack as `deb` does and lintian over the packages: it must report
      no error and no warning (overridden tags are shown too).

  deb_check.py install BUILD_DIR [--emulator CMD]
      `cmake --install BUILD_DIR --prefix <scratch>`: with a prefix other than
      /usr everything lands under it, and the installed unit names the binary
      and the config where they were installed.
"""
import argparse
import glob
import os
import pathlib
import re
import shlex
import stat
import subprocess
import sys
import tempfile

# Paths every package holds (dpkg-deb -c prints them as ./path).
EXPECTED_FILES = {
    "usr/bin/cityedged": 0o755,
    "etc/cityedge/cityedged.yaml": 0o644,
    "usr/lib/systemd/system/cityedged.service": 0o644,
    "usr/lib/sysusers.d/cityedge.conf": 0o644,
    "usr/lib/tmpfiles.d/cityedge.conf": 0o644,
    "usr/share/doc/cityedge/operator-guide.md": 0o644,
    "usr/share/doc/cityedge/cityedged.example.yaml": 0o644,
    "usr/share/doc/cityedge/copyright": 0o644,
    "usr/share/doc/cityedge/changelog.gz": 0o644,
    "usr/share/man/man8/cityedged.8.gz": 0o644,
    "usr/share/bash-completion/completions/cityedged": 0o644,
}
# With the CLI.
CLI_FILES = {
    "usr/bin/cityedge": 0o755,
    "usr/share/man/man1/cityedge.1.gz": 0o644,
    "usr/share/bash-completion/completions/cityedge": 0o644,
}
ALLOWED_PREFIXES = ("etc/cityedge", "usr/bin", "usr/lib/cityedge/drivers", "usr/lib/systemd/system",
                    "usr/lib/sysusers.d", "usr/lib/tmpfiles.d", "usr/share/doc/cityedge/",
                    "usr/share/man/man1/", "usr/share/man/man8/",
                    "usr/share/bash-completion/completions/")
# Libraries the daemon links; each must appear in Depends (by package name).
REQUIRED_DEPENDS = ("libc6", "libstdc++6", "libpaho-mqtt1.3", "libpaho-mqttpp3", "libsqlite3-0",
                    "libprotobuf32", "libyaml-cpp0.7", "libspdlog1.10", "libfmt9", "libsystemd0",
                    "libssl3", "systemd")
# Video and imaging libraries: the core's Depends names none (cityedge-vision's
# pull them in).
VIDEO_DEPENDS = ("libopencv", "libav", "libgst", "libgdal", "libswscale")
# The vision worker's package: the worker, its copyright and changelog.
WORKER = "usr/lib/cityedge/cityedge-vision"
VISION_FILES = {
    WORKER: 0o755,
    "usr/share/doc/cityedge-vision/copyright": 0o644,
    "usr/share/doc/cityedge-vision/changelog.gz": 0o644,
}
# A config with a camera: the shipped config with one driver that runs in the
# vision worker.
CAMERA_DRIVERS = """drivers:
  - id: cam_gate
    type: camera
    settings:
      source: /dev/video0
"""


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(argv, check=True, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    if check and result.returncode != 0:
        fail(f"{shlex.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def build_debs(build_dir, out_dir, arch, version, vision):
    """cpack's packages by name: cityedge and, with vision, cityedge-vision."""
    run(["cpack", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-G", "DEB",
         "-B", out_dir])
    names = ["cityedge"] + (["cityedge-vision"] if vision else [])
    want = {name: os.path.join(out_dir, f"{name}_{version}_{arch}.deb") for name in names}
    made = sorted(glob.glob(os.path.join(out_dir, "*.deb")))
    if made != sorted(want.values()):
        fail(f"cpack made {[os.path.basename(d) for d in made]}, expected "
             f"{[os.path.basename(d) for d in want.values()]}")
    print(f"built {', '.join(os.path.basename(d) for d in made)}")
    return want


def control_fields(deb):
    text = run(["dpkg-deb", "-f", deb]).stdout
    fields, key = {}, None
    for line in text.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line.strip()
        else:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def depends_names(fields):
    return {d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",") if d.strip()}


def check_identity(deb, fields, package, arch, version):
    for key, want in (("Package", package), ("Architecture", arch), ("Version", version)):
        if fields.get(key) != want:
            fail(f"{os.path.basename(deb)}: control field {key} is {fields.get(key)!r}, "
                 f"expected {want!r}")


def check_control(deb, arch, version):
    info = run(["dpkg-deb", "-I", deb]).stdout
    print(info)
    fields = control_fields(deb)
    check_identity(deb, fields, "cityedge", arch, version)
    depends = depends_names(fields)
    missing = [p for p in REQUIRED_DEPENDS if not any(d.startswith(p) for d in depends)]
    if missing:
        fail(f"Depends lacks {', '.join(missing)}: {fields.get('Depends')}")
    video = sorted(d for d in depends if d.startswith(VIDEO_DEPENDS))
    if video:
        fail(f"the core package depends on video libraries {video}: {fields.get('Depends')}")
    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    if conffiles != ["/etc/cityedge/cityedged.yaml"]:
        fail(f"conffiles are {conffiles}, expected /etc/cityedge/cityedged.yaml only")
    for script in ("postinst", "prerm", "postrm"):
        if not re.search(rf"^\s*\d+ bytes,\s+\d+ lines\s+\*\s+{script}\b", info, re.M):
            fail(f"{script} missing or not executable in the control archive")
    print(f"cityedge Depends: {fields.get('Depends')}")


def check_vision_control(deb, arch, version):
    print(run(["dpkg-deb", "-I", deb]).stdout)
    fields = control_fields(deb)
    check_identity(deb, fields, "cityedge-vision", arch, version)
    depends = [d.strip() for d in fields.get("Depends", "").split(",")]
    if f"cityedge (= {version})" not in depends:
        fail(f"cityedge-vision does not depend on cityedge (= {version}): {fields.get('Depends')}")
    if not any(re.fullmatch(r"libopencv-\w+\d+", d) for d in depends_names(fields)):
        fail(f"cityedge-vision names no OpenCV runtime library: {fields.get('Depends')}")
    print(f"cityedge-vision Depends: {fields.get('Depends')}")


def file_entries(deb):
    """dpkg-deb -c as {path: (mode, owner)}, paths without ./ and trailing /."""
    listing = run(["dpkg-deb", "-c", deb]).stdout
    entries = {}
    for line in listing.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6:
            continue
        mode, owner, path = parts[0], parts[1], parts[5].split(" -> ")[0]
        path = path.removeprefix("./").rstrip("/")
        if path:
            entries[path] = (mode, owner)
    return entries, listing


def check_modes(entries, listing, expected):
    for path, want in expected.items():
        if path not in entries:
            fail(f"{path} is not in the package:\n{listing}")
        mode, owner = entries[path]
        if owner != "root/root":
            fail(f"{path} is owned by {owner}, expected root/root")
        bits = sum(1 << (8 - i) for i, c in enumerate(mode[1:10]) if c != "-")
        if bits != want:
            fail(f"{path} has mode {mode}, expected {oct(want)}")


def check_file_list(deb):
    entries, listing = file_entries(deb)
    check_modes(entries, listing, EXPECTED_FILES)
    if WORKER in entries:
        fail(f"the vision worker /{WORKER} is in the core package")
    stray = [p for p, (mode, _) in entries.items() if not mode.startswith("d") and
             not p.startswith(ALLOWED_PREFIXES)]
    if stray:
        fail(f"files outside the FHS layout: {stray}")
    drivers = [p for p in entries if p.startswith("usr/lib/cityedge/drivers/")]
    if any(not p.endswith(".so") for p in drivers):
        fail(f"non-plugin files in the driver folder: {drivers}")
    print(f"cityedge: {len(entries)} entries, drivers: {drivers or 'none'}")
    return entries


def check_vision_file_list(deb):
    entries, listing = file_entries(deb)
    check_modes(entries, listing, VISION_FILES)
    files = [p for p, (mode, _) in entries.items() if not mode.startswith("d")]
    if sorted(files) != sorted(VISION_FILES):
        fail(f"cityedge-vision holds {files}, expected {sorted(VISION_FILES)} only")
    print(f"cityedge-vision: {len(entries)} entries, files: {files}")


def check_simulated_install(debs, arch):
    """apt-get -s with local .debs: offline, the dependencies are resolved
    against the installed packages and the local lists."""
    host_arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    if arch != host_arch:
        print(f"simulated install: skipped ({arch} packages on a {host_arch} machine)")
        return
    core = debs["cityedge"]
    plans = [([core], True)]
    if "cityedge-vision" in debs:
        plans += [([core, debs["cityedge-vision"]], True), ([debs["cityedge-vision"]], False)]
    for files, want_ok in plans:
        argv = ["apt-get", "-s", "-q", "--no-install-recommends", "install"] + files
        result = run(argv, check=False)
        names = [os.path.basename(f) for f in files]
        ok = result.returncode == 0
        if ok != want_ok:
            fail(f"simulated install of {names} {'succeeded' if ok else 'failed'}, expected "
                 f"{'success' if want_ok else 'failure'}:\n{result.stdout}{result.stderr}")
        if ok:
            for f in files:
                package = control_fields(f)["Package"]
                if not re.search(rf"^Inst {re.escape(package)} ", result.stdout, re.M):
                    fail(f"simulated install does not install {package}:\n{result.stdout}")
        elif "cityedge" not in result.stdout + result.stderr:
            fail(f"simulated install of {names} failed for another reason than the missing "
                 f"cityedge:\n{result.stdout}{result.stderr}")
        print(f"simulated install of {' + '.join(names)}: "
              f"{'ok' if ok else 'refused, as it must be (cityedge missing)'}")


def with_emulator(emulator, argv):
    return shlex.split(emulator) + argv if emulator else argv


def camera_config(root):
    """The shipped config with a camera driver, written beside it."""
    shipped = pathlib.Path(root, "etc/cityedge/cityedged.yaml").read_text()
    if "\ndrivers: []\n" not in shipped:
        fail("the shipped config has no 'drivers: []' line to put a camera in")
    path = pathlib.Path(root, "etc/cityedge/camera.yaml")
    path.write_text(shipped.replace("\ndrivers: []\n", "\n" + CAMERA_DRIVERS))
    return str(path)


def check_camera_config(root, emulator, vision, installed_worker):
    """--check-config of a camera config: 78 naming cityedge-vision without
    the worker, 0 with it unpacked into the same root."""
    daemon = os.path.join(root, "usr/bin/cityedged")
    config = camera_config(root)
    result = run(with_emulator(emulator, [daemon, "--check-config", config]), check=False)
    output = result.stdout + result.stderr
    print(output)
    if not vision:
        if installed_worker and os.access(installed_worker, os.X_OK):
            print(f"camera config without the worker: not checked ({installed_worker} is "
                  "installed on this machine)")
            return
        if result.returncode != 78 or "install the cityedge-vision package" not in output:
            fail(f"cityedged without cityedge-vision exited {result.returncode} on a camera "
                 f"config, expected 78 naming the cityedge-vision package:\n{output}")
        print("camera config without the worker: exit 78, names cityedge-vision")
    else:
        if result.returncode != 0:
            fail(f"cityedged with cityedge-vision unpacked beside it exited {result.returncode} "
                 f"on a camera config, expected 0:\n{output}")
        print("camera config with the worker: ok")


def check_license_and_changelog(root, package, version):
    """/usr/share/doc/PACKAGE: a DEP-5 copyright naming Apache-2.0 for every
    file, and a Debian changelog of this version that dpkg-parsechangelog reads."""
    doc = pathlib.Path(root, "usr/share/doc", package)
    copyright_text = (doc / "copyright").read_text()
    if not copyright_text.startswith(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"):
        fail(f"{package}: /usr/share/doc/{package}/copyright is not DEP-5 (no Format: line)")
    if not re.search(r"^Files: \*\nCopyright: .+\nLicense: Apache-2.0$", copyright_text, re.M):
        fail(f"{package}: copyright does not license Files: * under Apache-2.0:\n{copyright_text}")
    with tempfile.TemporaryDirectory() as scratch:
        changelog = os.path.join(scratch, "changelog")
        with open(changelog, "w") as out:
            subprocess.run(["gzip", "-dc", str(doc / "changelog.gz")], stdout=out, check=True)
        fields = run(["dpkg-parsechangelog", "-l", changelog]).stdout
    for key, want in (("Source", package), ("Version", version)):
        if not re.search(rf"^{key}: {re.escape(want)}$", fields, re.M):
            fail(f"{package}: changelog.gz has no {key}: {want}:\n{fields}")
    print(f"{package}: DEP-5 copyright (Apache-2.0), changelog {version}")


def check_unpacked(deb, source_dir, version, emulator, cli, installed_worker):
    with tempfile.TemporaryDirectory() as root:
        run(["dpkg-deb", "-x", deb, root])
        check_license_and_changelog(root, "cityedge", version)
        unit = pathlib.Path(root, "usr/lib/systemd/system/cityedged.service").read_text()
        source_unit = pathlib.Path(source_dir, "systemd/cityedged.service").read_text()
        if unit != source_unit:
            fail("the packaged unit differs from systemd/cityedged.service")
        daemon = os.path.join(root, "usr/bin/cityedged")
        out = run(with_emulator(emulator, [daemon, "--version"])).stdout
        if version not in out:
            fail(f"cityedged --version says {out!r}, expected {version}")
        config = os.path.join(root, "etc/cityedge/cityedged.yaml")
        result = run(with_emulator(emulator, [daemon, "--check-config", config]), check=False)
        print(result.stdout + result.stderr)
        if result.returncode != 0:
            fail(f"the packaged config fails --check-config (exit {result.returncode})")
        check_camera_config(root, emulator, False, installed_worker)
        if cli:
            cli_bin = os.path.join(root, "usr/bin/cityedge")
            result = run(with_emulator(emulator, [cli_bin, "--help"]), check=False)
            if result.returncode != 0:
                fail(f"cityedge --help exited {result.returncode}: {result.stderr}")
        check_users_and_folders(root)


def check_unpacked_both(core, vision, version, emulator):
    with tempfile.TemporaryDirectory() as root:
        run(["dpkg-deb", "-x", core, root])
        run(["dpkg-deb", "-x", vision, root])
        check_license_and_changelog(root, "cityedge-vision", version)
        out = run(with_emulator(emulator, [os.path.join(root, WORKER), "--version"])).stdout
        if version not in out:
            fail(f"cityedge-vision --version says {out!r}, expected {version}")
        check_camera_config(root, emulator, True, None)


def check_users_and_folders(root):
    """What postinst does, against the scratch root instead of the host."""
    run(["systemd-sysusers", f"--root={root}", f"{root}/usr/lib/sysusers.d/cityedge.conf"])
    users = {l.split(":")[0]: l.split(":") for l in
             pathlib.Path(root, "etc/passwd").read_text().splitlines()}
    groups = {l.split(":")[0]: l.split(":") for l in
              pathlib.Path(root, "etc/group").read_text().splitlines()}
    for group in ("cityedge", "cityedge-admin", "video", "dialout"):
        if group not in groups:
            fail(f"systemd-sysusers did not create group {group}")
    if "cityedge" not in users or not users["cityedge"][6].endswith("nologin"):
        fail(f"user cityedge missing or has a login shell: {users.get('cityedge')}")
    for group in ("video", "dialout"):
        if "cityedge" not in groups[group][3].split(","):
            fail(f"cityedge is not a member of {group}")
    run(["systemd-tmpfiles", "--create", f"--root={root}", f"{root}/usr/lib/tmpfiles.d/cityedge.conf"])
    uid, gid = int(users["cityedge"][2]), int(groups["cityedge"][2])
    for folder, owner in (("var/lib/cityedge", uid), ("run/cityedge", uid), ("etc/cityedge", 0)):
        st = os.stat(os.path.join(root, folder))
        if stat.S_IMODE(st.st_mode) != 0o750 or st.st_uid != owner or st.st_gid != gid:
            fail(f"/{folder}: mode {oct(stat.S_IMODE(st.st_mode))} owner {st.st_uid}:{st.st_gid}, "
                 f"expected 0o750 {owner}:{gid}")
    print("sysusers and tmpfiles: ok")


def cmd_deb(args):
    for script in ("postinst", "prerm", "postrm"):
        run(["sh", "-n", os.path.join(args.source, "packaging/deb", script)])
    with tempfile.TemporaryDirectory() as out_dir:
        debs = build_debs(args.build_dir, out_dir, args.arch, args.version, args.vision)
        core = debs["cityedge"]
        check_control(core, args.arch, args.version)
        entries = check_file_list(core)
        if args.cli:
            check_modes(entries, "(dpkg-deb -c above)", CLI_FILES)
        check_unpacked(core, args.source, args.version, args.emulator, args.cli,
                       args.installed_worker)
        if args.vision:
            vision = debs["cityedge-vision"]
            check_vision_control(vision, args.arch, args.version)
            check_vision_file_list(vision)
            check_unpacked_both(core, vision, args.version, args.emulator)
        check_simulated_install(debs, args.arch)
    print("deb: ok")


def cmd_lintian(args):
    """lintian over the packages: no error and no warning. Overrides, should a
    package ever ship some (with a reason each), are listed so they stay
    visible."""
    with tempfile.TemporaryDirectory() as out_dir:
        debs = build_debs(args.build_dir, out_dir, args.arch, args.version, args.vision)
        argv = ["lintian", "--fail-on", "error,warning", "--show-overrides", "--display-info",
                *debs.values()]
        result = run(argv, check=False)
        print(f"$ {shlex.join(argv)}\n{result.stdout}{result.stderr}")
        tags = [l for l in result.stdout.splitlines() if re.match(r"^[EW]: ", l)]
        if result.returncode != 0 or tags:
            fail(f"lintian exited {result.returncode} with errors or warnings:\n" + "\n".join(tags))
    print("lintian: ok")


def cmd_install(args):
    with tempfile.TemporaryDirectory() as prefix:
        run(["cmake", "--install", args.build_dir, "--prefix", prefix])
        for path in ("bin/cityedged", "etc/cityedge/cityedged.yaml",
                     "lib/systemd/system/cityedged.service", "lib/sysusers.d/cityedge.conf",
                     "lib/tmpfiles.d/cityedge.conf", "share/doc/cityedge/operator-guide.md"):
            if not os.path.isfile(os.path.join(prefix, path)):
                fail(f"{path} is not under the prefix {prefix}")
        unit = pathlib.Path(prefix, "lib/systemd/system/cityedged.service").read_text()
        want = f"ExecStart={prefix}/bin/cityedged --config {prefix}/etc/cityedge/cityedged.yaml"
        if want not in unit:
            fail(f"the installed unit does not run the installed daemon: expected {want!r}")
        if "/usr/bin/cityedged" in unit:
            fail("the installed unit still names /usr/bin/cityedged")
        result = run(with_emulator(args.emulator, [
            os.path.join(prefix, "bin/cityedged"), "--check-config",
            os.path.join(prefix, "etc/cityedge/cityedged.yaml")]), check=False)
        if result.returncode != 0:
            fail(f"installed config fails --check-config:\n{result.stdout}{result.stderr}")
    print("install: ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("deb")
    p.add_argument("build_dir")
    p.add_argument("--source", required=True)
    p.add_argument("--arch", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--cli", action="store_true")
    p.add_argument("--vision", action="store_true")
    p.add_argument("--installed-worker", default="")
    p.add_argument("--emulator", default="")
    p.set_defaults(func=cmd_deb)
    p = sub.add_parser("lintian")
    p.add_argument("build_dir")
    p.add_argument("--arch", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--vision", action="store_true")
    p.set_defaults(func=cmd_lintian)
    p = sub.add_parser("install")
    p.add_argument("build_dir")
    p.add_argument("--emulator", default="")
    p.set_defaults(func=cmd_install)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
