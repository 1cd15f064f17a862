"""``python -m sae_emulator``: serve until SIGTERM/SIGINT; the first stdout line is JSON describing the server."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time

from . import data, signature
from .app import DEFAULT_REGION
from .faults import MALFORMED_KINDS, Faults
from .quota import THROTTLE_FORMS
from .server import EmulatorServer
from .tls import BACKENDS


def _key_value(text: str) -> tuple:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, got %r" % text)
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sae_emulator",
        description="Local Alibaba Cloud SAE ListJobs (and STS AssumeRole) emulator, on 127.0.0.1 only.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free port)")
    parser.add_argument("--port-file", help="also write the startup JSON to this file (atomically)")
    parser.add_argument("--default-region", default=DEFAULT_REGION, help="region for paths without a region segment")
    parser.add_argument("--verbose", action="store_true", help="log method and path of each request to stderr")
    parser.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        help="seconds the emulator's clock is ahead of this machine's (negative: behind): signatures, Date header",
    )

    group = parser.add_argument_group("data set")
    group.add_argument("--dataset", choices=("demo", "generated"), default="demo")
    group.add_argument("--dataset-file", help='JSON data set document ({"regions": {region: [jobs]}})')
    group.add_argument("--jobs", type=int, default=1000, help="generated: number of jobs")
    group.add_argument("--regions", default=",".join(data.DEFAULT_REGIONS), help="generated: comma-separated")
    group.add_argument("--namespaces", type=int, default=3, help="generated: namespaces per region")
    group.add_argument("--seed", type=int, default=0, help="generated: seed")

    group = parser.add_argument_group("credentials and TLS")
    group.add_argument("--access-key", action="append", type=_key_value, default=[], metavar="ID=SECRET")
    group.add_argument("--access-keys-file", help="JSON object {access_key_id: secret} of extra keys")
    group.add_argument("--tls", action="store_true", help="also speak HTTPS (same port) with a fresh self-signed CA")
    group.add_argument("--cert-backend", choices=BACKENDS, default="auto")
    group.add_argument("--cert-dir", help="where to write ca.pem/server.pem/server.key (default: a temp dir)")
    group.add_argument(
        "--signature-verifier",
        choices=signature.CHOICES,
        default=signature.AUTO,
        help="who computes the expected signature: the vendor SDK's signer, or the emulator's own independent one"
        " (auto: the vendor SDK's when installed)",
    )

    group = parser.add_argument_group("faults (also settable at run time: POST /_emulator/faults)")
    group.add_argument("--faults", help="fault settings as JSON, or @FILE")
    group.add_argument("--latency-ms", type=int)
    group.add_argument("--throttle-rate", type=float)
    group.add_argument("--retry-after", type=float, help="seconds asked for with throttling (in the form's header)")
    group.add_argument(
        "--throttle-form",
        choices=THROTTLE_FORMS,
        help="throttling answers: acs (400, x-acs-retry-after in ms; the default), ratelimit (400, "
        "x-ratelimit-user-api TimeLeft in ms), 429 (429, Retry-After in s)",
    )
    group.add_argument("--error-rate", type=float, help="fraction answered 503 ServiceUnavailable")
    group.add_argument(
        "--region-failure",
        action="append",
        type=_key_value,
        default=[],
        metavar="REGION=STATUS[:CODE]",
        help="e.g. cn-beijing=403 (Forbidden.RAM) or cn-shanghai=500",
    )
    group.add_argument("--hang-rate", type=float, help="fraction of requests accepted and never answered")
    group.add_argument("--malformed", choices=MALFORMED_KINDS)
    group.add_argument("--malformed-rate", type=float)
    group.add_argument("--fault-after", type=int, dest="after_requests", help="spare the first N SAE requests")
    group.add_argument("--max-faults", type=int)
    group.add_argument("--fault-regions", help="comma-separated regions the rate faults apply to")
    group.add_argument("--mutate-after", type=int, help="after the Nth ListJobs request delete one job, create one")
    group.add_argument("--mutate-region")
    group.add_argument("--mutate-delete", metavar="APP_ID")
    group.add_argument("--no-mutate-create", action="store_true")
    group.add_argument("--fault-seed", type=int)
    group.add_argument(
        "--quota-rps", type=float, help="account flow control: N requests/s (a bucket of N), then 400 Throttling.User"
    )
    group.add_argument("--sparse", action="store_true", help="leave every null or empty member out of the SAE answers")
    group.add_argument(
        "--report-total-size", type=int, help="every ListJobs answer says this TotalSize (a gateway bug)"
    )
    group.add_argument(
        "--serve-page-size", type=int, help="pages of at most N jobs, and PageSize N, whatever PageSize was asked"
    )
    return parser


def faults_from_args(args: argparse.Namespace) -> Faults:
    settings: dict = {}
    if args.faults:
        text = args.faults
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as handle:
                text = handle.read()
        settings.update(json.loads(text))
    direct = {
        "latency_ms": args.latency_ms,
        "throttle_rate": args.throttle_rate,
        "retry_after": args.retry_after,
        "error_rate": args.error_rate,
        "hang_rate": args.hang_rate,
        "malformed": args.malformed,
        "malformed_rate": args.malformed_rate,
        "after_requests": args.after_requests,
        "max_faults": args.max_faults,
        "mutate_after": args.mutate_after,
        "mutate_region": args.mutate_region,
        "mutate_delete": args.mutate_delete,
        "seed": args.fault_seed,
        "quota_rps": args.quota_rps,
        "throttle_form": args.throttle_form,
        "reported_total_size": args.report_total_size,
        "served_page_size": args.serve_page_size,
    }
    settings.update({name: value for name, value in direct.items() if value is not None})
    if args.fault_regions:
        settings["regions"] = [region for region in args.fault_regions.split(",") if region]
    if args.region_failure:
        settings.setdefault("region_failures", {}).update(dict(args.region_failure))
    if args.no_mutate_create:
        settings["mutate_create"] = False
    if args.sparse:
        settings["sparse"] = True
    return Faults.from_dict(settings)


def dataset_from_args(args: argparse.Namespace) -> data.Dataset:
    if args.dataset_file:
        with open(args.dataset_file, encoding="utf-8") as handle:
            return data.Dataset.from_dict(json.load(handle))
    if args.dataset == "generated":
        regions = [region for region in args.regions.split(",") if region]
        return data.generate(jobs=args.jobs, regions=regions, namespaces_per_region=args.namespaces, seed=args.seed)
    return data.demo()


def access_keys_from_args(args: argparse.Namespace) -> dict:
    keys: dict = {}
    if args.access_keys_file:
        with open(args.access_keys_file, encoding="utf-8") as handle:
            keys.update(json.load(handle))
    keys.update(dict(args.access_key))
    return keys


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".sae-emulator-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def main(argv: list | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        faults = faults_from_args(args)
        dataset = dataset_from_args(args)
        keys = access_keys_from_args(args)
        server = EmulatorServer(
            dataset=dataset,
            faults=faults,
            tls=args.tls,
            port=args.port,
            default_region=args.default_region,
            access_keys=keys,
            cert_backend=args.cert_backend,
            cert_dir=args.cert_dir,
            verbose=args.verbose,
            signature_verifier=args.signature_verifier,
            clock=(lambda: time.time() + args.clock_offset) if args.clock_offset else time.time,
        )
    except (ValueError, OSError) as error:
        parser.error(str(error))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server.start()
    except OSError as error:  # the --port taken (or not allowed): say which, without a traceback
        parser.exit(1, "sae_emulator: cannot listen on 127.0.0.1:%d: %s\n" % (args.port, error.strerror or error))
    try:
        info = dict(server.info(), pid=os.getpid())
        line = json.dumps(info, ensure_ascii=False)
        if args.port_file:
            _write_atomically(args.port_file, line + "\n")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
