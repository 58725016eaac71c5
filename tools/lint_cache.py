#!/usr/bin/env python3
"""Keys that say when clang-tidy's verdict on a translation unit may have changed.

    tools/lint_cache.py BUILD_DIR ROOT JOBS < files     (absolute source paths, one a line)

prints "KEY<TAB>PATH" for each file, PATH relative to ROOT. A key is the SHA-256 of
everything clang-tidy's result on the file depends on:
  - the clang-tidy version and the .clang-tidy configuration;
  - the file's compile command (source and build paths written as @ROOT@ / @BUILD@,
    the object file left out);
  - the path and the bytes of every file the preprocessor opens for it (clang -M:
    our headers and the system's alike), comments included, so a new NOLINT or a
    package update counts as a change.
tools/lint.sh keeps the keys of a clean clang-tidy run in tools/lint-clean.txt and
analyses only the files whose key is not there: an unchanged file is not analysed
twice, any change to it, to a header it includes, to its flags or to the checks
analyses it again. The keys name no machine or checkout, so the file a developer
commits after a clean run spares CI's clean clone that work.
"""

import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys


def normalise(text, build, root):
    # The build tree usually sits inside the checkout: replace the longer path first.
    return text.replace(build, "@BUILD@").replace(root, "@ROOT@")


def command_of(entry):
    if "arguments" in entry:
        return list(entry["arguments"])
    return shlex.split(entry["command"])


def without_output(args):
    """The compile command minus `-o OBJECT` and `-c` (neither changes the analysis)."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c" or a.startswith("-o"):
            continue
        out.append(a)
    return out


class Hasher:
    def __init__(self):
        self.cache = {}

    def file(self, path):
        digest = self.cache.get(path)
        if digest is None:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            self.cache[path] = digest
        return digest


def dependencies(entry, args):
    """Every file the preprocessor opens for this entry, as absolute paths."""
    run = args + ["-M", "-MF", "-", "-Wno-unused-command-line-argument"]
    # -M writes a make rule "object: dep dep \\\n dep ..."; paths with spaces would be
    # escaped, and ours have none.
    rule = subprocess.run(run, cwd=entry["directory"], check=True, capture_output=True, text=True).stdout
    words = rule.replace("\\\n", " ").split()
    deps = [w for w in words[1:] if w != "\\"]
    return {os.path.realpath(os.path.join(entry["directory"], d)) for d in deps}


def main():
    build = os.path.realpath(sys.argv[1])
    root = os.path.realpath(sys.argv[2])
    jobs = max(1, int(sys.argv[3]))
    wanted = [os.path.realpath(line.strip()) for line in sys.stdin if line.strip()]
    entries = {}
    for e in json.load(open(os.path.join(build, "compile_commands.json"))):
        entries.setdefault(os.path.realpath(os.path.join(e["directory"], e["file"])), e)
    # The version line only: the rest of --version names the host CPU.
    version = next(line for line in subprocess.run(["clang-tidy", "--version"], check=True, capture_output=True,
                                                    text=True).stdout.splitlines() if "version" in line)
    with open(os.path.join(root, ".clang-tidy"), "rb") as f:
        config = f.read()
    hasher = Hasher()

    def key(path):
        entry = entries[path]
        args = without_output(command_of(entry))
        h = hashlib.sha256()
        h.update(version.encode())
        h.update(config)
        h.update(normalise("\0".join(args), build, root).encode())
        # In the order of the normalised paths, which does not depend on the checkout.
        for name, dep in sorted((normalise(d, build, root), d) for d in dependencies(entry, args)):
            h.update(name.encode())
            h.update(hasher.file(dep).encode())
        return h.hexdigest()

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for path, k in zip(wanted, pool.map(key, wanted)):
            print(f"{k}\t{os.path.relpath(path, root)}")


if __name__ == "__main__":
    main()
