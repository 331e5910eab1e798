"""Run by memory.py in a fresh process: import one handler, serve one event N times, report peak RSS.

Standalone on purpose (no test or tool imports): the process holds the function and the layer, as Lambda's.
Usage: python memory_probe.py <function dir> <event.json> <count>
"""

import json
import sys
import time


class Context:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child started by a large
    # parent would report the parent's peak.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    function_dir, event_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path.insert(0, function_dir)
    with open(event_path, encoding="utf-8") as source:
        event = json.load(source)
    import app  # the import is part of what is measured

    after_import = peak_mb()
    statuses = []
    started = time.perf_counter()
    for _ in range(count):
        statuses.append(app.handler(event, Context())["statusCode"])
    print(
        json.dumps(
            {
                "after_import_mb": round(after_import, 1),
                "peak_mb": round(peak_mb(), 1),
                "statuses": sorted(set(statuses)),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
