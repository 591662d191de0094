#!/usr/bin/env python3
"""The aurora-prewarm local demo driver (contrib/demo/run-demo.sh runs it).

A simulated Aurora PostgreSQL cluster on this machine: moto plays AWS
(RDS with custom endpoints, CloudWatch, S3, Secrets Manager, SNS, SQS) and
real PostgreSQL servers play the instances: a primary is the writer, a
streaming standby the in-service reader, a second standby the new replica.
The demo drives a skewed read workload on the reader, measures the new
replica's shared-buffer hit ratio cold, "adds a replica" (CreateDBInstance
in moto, held `creating` for a moment, and the CloudTrail event sent to the
SQS queue), lets `prewarm watch` (or, with --runner run, this script acting
as the watcher around `prewarm run`) run aurora-replica-prewarm, then
prints the endpoint members before and after, the hit ratio cold versus
warmed, the engine-overhead benchmark and the --dry-run plan for one more
replica. Everything it starts is stopped and removed at the end.

Exit status: 0 when the replica was warmed and added and the warmed hit
ratio beat the cold one; 1 otherwise; 2 for a setup problem.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
os.environ.setdefault("PW_TOP_SRCDIR", SRC)

from fixtures import aurora_sim as sim_mod  # noqa: E402
from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WRITER, AuroraSim,  # noqa: E402
                                 create_instance_event, journal)
from fixtures.pg_cluster import PG_USER, PgCluster, load_pgbench_data, write_zipf_script  # noqa: E402

NEW = "app-prod-reader-2"
NEXT = "app-prod-reader-3"
WORKFLOW = os.path.join(SRC, "workflows", "aurora-replica-prewarm.yaml")

# quick: small enough for a test (< 90 s); full: the README's demo.
SIZES = {
    "quick": {"scale": 4, "shared_buffers": 32, "warmup": 4000, "measure": 1000, "skew": 1.2},
    "full": {"scale": 16, "shared_buffers": 128, "warmup": 20000, "measure": 4000, "skew": 1.2},
}


def say(msg):
    print("==> " + msg, flush=True)


def utc(ts):
    """A journal timestamp ("...Z") as a POSIX time."""
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class Demo:
    def __init__(self, args):
        self.args = args
        self.size = SIZES["quick" if args.quick else "full"]
        self.work = tempfile.mkdtemp(prefix="prewarm-demo-")
        os.chmod(self.work, 0o755)
        self.state = os.path.join(self.work, "state")
        self.moto = None
        self.pg = None
        self.sim = None
        self.watcher = None
        self.results = {}

    # ---- setup ---------------------------------------------------------------

    def start(self):
        say("starting moto (AWS emulator with Aurora custom endpoints)")
        self.moto = sim_mod.start_moto()
        url = self.moto[0]
        os.environ.update(sim_mod.aws_env(url))
        os.environ.pop("AWS_PROFILE", None)
        say("starting PostgreSQL: primary (the writer) + 2 streaming standbys "
            "(the in-service reader, the new replica)")
        self.pg = PgCluster(standbys=2, shared_buffers="%dMB" % self.size["shared_buffers"])
        self.pg.__enter__()
        self.reader, self.new = self.pg.standbys
        self.sim = AuroraSim(url, self.work, prewarm=self.args.prewarm)

    def load(self):
        scale = self.size["scale"]
        say("loading pgbench data (scale %d: %d MB of accounts and index vs %d MB shared_buffers)"
            % (scale, scale * 15, self.size["shared_buffers"]))
        load_pgbench_data(self.pg, scale, self.work)
        self.script = write_zipf_script(self.work, scale * 100000, self.size["skew"])
        for s in self.pg.standbys:  # a restartpoint, so a restart replays no WAL
            s.query("CHECKPOINT")

    def create_cluster(self):
        say("creating the simulated Aurora cluster %s in moto: writer %s, reader %s, "
            "custom endpoint %s, secret, SNS topic -> SQS, event queue" % (CLUSTER, WRITER, READER, ENDPOINT))
        self.sim.create_cluster(self.pg.password)
        self.sim.lag(READER, [3.0, 4.0])

    def config(self, runner):
        hosts = {WRITER: self.pg.primary, READER: self.reader, NEW: self.new, NEXT: self.new}
        top = {"state_dir": self.state}
        if runner == "watch":
            top["watch"] = {
                "queue_url": self.sim.events_url,
                "workflows": {"instance-created": WORKFLOW,
                              "failover": os.path.join(SRC, "workflows", "aurora-failover-adjust.yaml"),
                              "reconcile": os.path.join(SRC, "workflows", "reconcile.yaml")},
                "receive_wait_seconds": 1,
            }
        # Demo timings: the first status check after 1 s, then at most every
        # 2 s (production: 15 s growing to 120 s); the lag window as shipped.
        return self.sim.config(os.path.join(self.work, "prewarm.json"), hosts, top=top, **{
            "available_wait.max_wait_seconds": 120, "lag.max_wait_seconds": 60,
            "warm.budget_seconds": 120})

    # ---- the story -------------------------------------------------------------

    def workload(self):
        n = self.size["warmup"]
        say("skewed read workload (zipfian, %d transactions) on the in-service reader %s" % (n, READER))
        self.reader.pgbench(self.script, n, seed=1)
        # What the pg_cron job (contrib/pg_cron) would export to S3.
        buf = _Sink()
        c = self.reader.connect()
        try:
            c.cursor().copy_expert(
                "COPY (SELECT queryid, query, calls, total_exec_time, mean_exec_time, rows, "
                "shared_blks_hit, shared_blks_read FROM pg_stat_statements "
                "WHERE query ~* '^\\s*select\\M' ORDER BY total_exec_time DESC LIMIT 100) "
                "TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
        finally:
            c.close()
        key = self.sim.put_top_queries(buf.text())
        say("exported the top queries to s3://%s/%s" % (sim_mod.BUCKET, key))

    @staticmethod
    def accounts_io(inst):
        """(reads from storage, buffer hits) of pgbench_accounts, heap and
        index, on inst so far."""
        r = inst.query("SELECT heap_blks_read + coalesce(idx_blks_read, 0), "
                       "heap_blks_hit + coalesce(idx_blks_hit, 0) FROM pg_statio_user_tables "
                       "WHERE relname = 'pgbench_accounts'")
        return tuple(int(x) for x in r[0])

    def measure(self, label, inst=None):
        """inst's (default: the new replica's) shared-buffer hit ratio on
        pgbench_accounts over the first N transactions of the workload
        (fixed seed: the same requests cold, warmed and on the reference)."""
        inst = inst or self.new
        r0, h0 = self.accounts_io(inst)
        inst.pgbench(self.script, self.size["measure"], seed=2)  # waits for the stats
        r1, h1 = self.accounts_io(inst)
        misses, hits = r1 - r0, h1 - h0
        ratio = hits / (hits + misses) if hits + misses else 0.0
        self.results[label] = {"misses": misses, "hits": hits, "ratio": ratio}
        say("%s: hit ratio %.1f%% on pgbench_accounts (%d reads from storage, %d buffer hits)"
            % (label, 100 * ratio, misses, hits))

    def add_replica(self, runner):
        cfg = self.config(runner)
        self.results["members_before"] = self.sim.members()
        say("adding replica %s (held 'creating' in moto) and sending its CloudTrail "
            "CreateDBInstance event to the SQS queue" % NEW)
        self.sim.add_instance(NEW, status="creating")
        self.sim.lag(NEW, [6.0, 4.5])
        event = create_instance_event(NEW, event_id="demo-" + os.urandom(4).hex())
        self.sim.sqs.send_message(QueueUrl=self.sim.events_url, MessageBody=json.dumps(event))
        if runner == "watch":
            say("prewarm watch: consuming the queue")
            self.start_watch(cfg)
            time.sleep(1.5)
            if self.watcher.poll() is not None and self.args.auto_runner:
                with open(self.watch_log.name) as f:
                    why = (f.read().strip().splitlines() or ["?"])[-1]
                say("FALLBACK: prewarm watch exited at once (%s); this run uses prewarm run "
                    "instead, with this script playing the watcher (--runner watch would fail "
                    "here)" % _short(why, 160))
                self.watcher = None
                runner = self.args.runner = "run"
                cfg = self.config(runner)
        if runner == "run":
            say("prewarm run (this script plays the watcher: receive, run --key, delete)")
            self.watcher = self.run_from_queue(cfg)
        time.sleep(3)
        t0 = time.time()
        self.sim.set_available(NEW)
        say("%s is now 'available' with low AuroraReplicaLag" % NEW)
        events = self.wait_execution()
        if runner == "watch":
            self.results["consumed"] = self.wait_queue_empty()
            say("prewarm watch %s the event from the queue" % (
                "deleted" if self.results["consumed"] else "did NOT delete"))
        self.stop_watch()
        return t0, events

    def wait_queue_empty(self, timeout=15):
        """True once the event queue holds no message, visible or in flight
        (the watcher deletes a message after its execution finished)."""
        end = time.time() + timeout
        while time.time() < end:
            a = self.sim.sqs.get_queue_attributes(
                QueueUrl=self.sim.events_url,
                AttributeNames=["ApproximateNumberOfMessages",
                                "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"]) == 0:
                return True
            time.sleep(0.2)
        return False

    def start_watch(self, cfg):
        self.watch_log = open(os.path.join(self.work, "watch.log"), "w")
        self.watcher = subprocess.Popen(
            [self.args.prewarm, "watch", "--config", cfg, "--log-format", "json"],
            stdout=subprocess.DEVNULL, stderr=self.watch_log, env=self.sim.env(),
            start_new_session=True)

    def run_from_queue(self, cfg):
        msgs = []
        for _ in range(10):
            msgs = self.sim.sqs.receive_message(QueueUrl=self.sim.events_url,
                                                WaitTimeSeconds=1).get("Messages", [])
            if msgs:
                break
        if not msgs:
            raise RuntimeError("the event did not arrive in the queue")
        msg = msgs[0]
        self.pending_receipt = msg["ReceiptHandle"]
        event = json.loads(msg["Body"])
        self.watch_log = open(os.path.join(self.work, "run.log"), "w")
        return subprocess.Popen(
            self.sim.command(WORKFLOW, event, cfg, self.state, "--key", event["id"]),
            stdout=subprocess.DEVNULL, stderr=self.watch_log, env=self.sim.env())

    def wait_execution(self, timeout=300):
        """Waits until an execution's journal says it finished; returns its
        events."""
        end = time.time() + timeout
        while time.time() < end:
            for ex in sim_mod.executions(self.state):
                events = journal(self.state, ex)
                if events and events[-1]["type"] in ("ExecutionSucceeded", "ExecutionFailed"):
                    return events
            if self.watcher.poll() is not None:  # ended without a finished journal
                break
            time.sleep(0.2)
        raise RuntimeError("no execution finished (see %s)" % self.watch_log.name)

    def stop_watch(self):
        if self.watcher is None:
            return
        if self.watcher.poll() is None:
            self.watcher.send_signal(signal.SIGTERM)
            try:
                self.watcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.watcher.kill()
                self.watcher.wait()
        if getattr(self, "pending_receipt", None):  # run mode: done, so delete
            self.sim.sqs.delete_message(QueueUrl=self.sim.events_url, ReceiptHandle=self.pending_receipt)
            self.pending_receipt = None
        self.watcher = None

    def dry_run(self):
        """The plan for one more replica: reads made for real, mutations
        only printed."""
        self.sim.add_instance(NEXT)
        self.sim.lag(NEXT, [2.0, 2.0])
        cfg = self.config("run")
        before = self.sim.members()
        state = os.path.join(self.work, "dry-run-state")
        p = subprocess.run(self.sim.command(WORKFLOW, {"DBInstanceIdentifier": NEXT}, cfg, state,
                                            "--dry-run", "--log-level", "debug"),
                           capture_output=True, text=True, env=self.sim.env(), timeout=120)
        out = json.loads(p.stdout) if p.stdout.strip() else {}
        with open(os.path.join(self.work, "dry-run.log"), "w") as f:
            f.write(p.stderr)
        logs = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
        print()
        print("--dry-run of aurora-replica-prewarm for one more replica (%s): exit %d, status %s"
              % (NEXT, p.returncode, out.get("Status", out.get("Error"))))
        print("  reads made for real (state: request):")
        for e in logs:
            m = re.match(r"(\S+): HTTP (\d+)", e.get("msg", ""))
            if m and e["component"] != "engine":
                state = e["component"].split("[")[-1].rstrip("]")
                print("    %-26s %s -> HTTP %s" % (state, m.group(1), m.group(2)))
        print("  would send (not called):")
        planned = None
        for e in logs:
            if e.get("component") == "dry-run" and e["msg"].startswith("would call"):
                print("    " + _short(e["msg"][len("would call "):], 150))
                if " rds:AddStaticMember " in e["msg"]:
                    planned = self.static_members_dry_run(e["msg"], cfg)
        self.results["dry_run_unchanged"] = self.sim.members() == before
        print("  endpoint members after the dry run: %s (%s)" % (
            ", ".join(self.sim.members()),
            "unchanged" if self.results["dry_run_unchanged"] else "CHANGED"))
        return p.returncode == 0 and self.results["dry_run_unchanged"] and planned is not None

    def static_members_dry_run(self, msg, cfg):
        """Prints the member list rds:AddStaticMember's dry run returns for
        the parameters the plan logged ("... with {JSON}"). The workflow
        keeps that result in its state data only, so the one action is
        dry-run again on its own, whose output is the result. Returns the
        list, or None."""
        try:
            params = json.loads(msg.split(" with ", 1)[1])
        except (IndexError, ValueError):
            print("      = (cannot read the AddStaticMember parameters from the log)")
            return None
        wf = os.path.join(self.work, "add-static-member.json")
        with open(wf, "w") as f:
            json.dump({"StartAt": "AddStaticMember", "States": {"AddStaticMember": {
                "Type": "Task", "Resource": "rds:AddStaticMember", "TimeoutSeconds": 60,
                "End": True}}}, f)
        p = subprocess.run(self.sim.command(wf, params, cfg, os.path.join(self.work, "dry-run-state"),
                                            "--dry-run"),
                           capture_output=True, text=True, env=self.sim.env(), timeout=120)
        try:
            res = json.loads(p.stdout)
            members = res["StaticMembers"]
        except (ValueError, KeyError, TypeError):
            print("      = (the AddStaticMember dry run returned no StaticMembers: exit %d, %s)"
                  % (p.returncode, _short(p.stdout.strip() or p.stderr.strip(), 200)))
            return None
        print("      = ModifyDBClusterEndpoint %s StaticMembers=[%s] (the dry run's result%s; "
              "read, write, verify)" % (res.get("DBClusterEndpointIdentifier", "?"),
                                       ", ".join(sorted(members)),
                                       "" if res.get("Changed") else ", no change"))
        self.results["dry_run_static_members"] = members
        return members

    # ---- report ------------------------------------------------------------------

    def report(self, t0, events):
        final = events[-1]
        ok = final["type"] == "ExecutionSucceeded"
        out = final.get("output", {})
        after = self.sim.members()
        cold, warm = self.results["cold"], self.results["warmed"]
        print()
        print("%-30s | %-36s | %s" % ("", "before", "after"))
        print("-" * 31 + "+" + "-" * 38 + "+" + "-" * 38)
        print("%-30s | %-36s | %s" % ("endpoint %s" % ENDPOINT,
                                        ", ".join(self.results["members_before"]), ", ".join(after)))
        print("%-30s | %-36s | %s" % ("hit ratio of %s" % NEW, "cold   %.1f%%" % (100 * cold["ratio"]),
                                        "warmed %.1f%%" % (100 * warm["ratio"])))
        print("%-30s | %-36s | %s" % ("reads from storage", "%d" % cold["misses"], "%d" % warm["misses"]))
        report = out.get("Report", {})
        if report:
            print("%-30s | %-36s | %s" % ("warm (strategy %s)" % report.get("strategy"), "",
                                            "%d blocks, %.1f MiB, %.2f s" % (
                                                report.get("blocks_loaded", 0),
                                                report.get("bytes_loaded", 0) / 1048576.0,
                                                report.get("seconds", 0.0))))
        ref = self.results["reference"]
        print("reference: the in-service reader %s on the same requests: hit ratio %.1f%%, "
              "%d reads from storage" % (READER, 100 * ref["ratio"], ref["misses"]))
        print()
        if not ok:
            print("execution FAILED: %s" % json.dumps(final)[:800])
            return False
        added = [e for e in events if e["type"] == "TaskSucceeded" and e.get("state") == "AddStaticMember"]
        t1 = utc(added[-1]["timestamp"])
        warm_s = float(report.get("seconds", 0.0))
        overhead = (t1 - t0) - warm_s
        print("benchmark: available with low lag -> in the endpoint: %.2f s, of which the warm "
              "%.2f s; engine overhead %.2f s (target < 5 s; the original design polled every 300 s)"
              % (t1 - t0, warm_s, overhead))
        self.results.update(overhead=overhead, in_endpoint_seconds=t1 - t0, warm_seconds=warm_s)
        return (NEW in after and NEW not in self.results["members_before"]
                and warm["ratio"] > cold["ratio"] and self.results.get("consumed", True))

    def close(self):
        # A second signal must not cut the cleanup short.
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        try:
            self.stop_watch()
        except Exception:  # pylint: disable=broad-except
            pass
        if self.pg is not None:
            self.pg.close()
        if self.moto is not None:
            sim_mod.stop_moto(self.moto[1], self.moto[2])
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print("kept %s" % self.work)


class _Sink:
    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(data if isinstance(data, str) else data.decode())

    def text(self):
        return "".join(self.parts)


def _short(v, n=110):
    s = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
    return s if len(s) <= n else s[:n - 3] + "..."


def watch_available(prewarm):
    p = subprocess.run([prewarm, "watch", "--help"], capture_output=True, text=True, timeout=30)
    return p.returncode == 0 and "usage" in (p.stdout + p.stderr).lower()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small data set (the test: < 90 s)")
    ap.add_argument("--prewarm", default=os.environ.get("PREWARM", "prewarm"), help="the prewarm binary")
    ap.add_argument("--runner", choices=("auto", "watch", "run"), default="auto",
                    help="prewarm watch (auto: when built) or prewarm run")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (journals, logs)")
    args = ap.parse_args()
    if os.geteuid() == 0:
        import pwd
        pwd.getpwnam(PG_USER)  # PostgreSQL runs as this user; fail early
    args.auto_runner = args.runner == "auto"
    if args.auto_runner:
        args.runner = "watch" if watch_available(args.prewarm) else "run"
        if args.runner == "run":
            say("FALLBACK: %s has no working `watch` command; this run uses prewarm run "
                "instead, with this script playing the watcher" % args.prewarm)
    demo = Demo(args)
    # SIGTERM/SIGINT/SIGHUP: clean up like a normal exit.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(130))
    started = time.time()
    try:
        demo.start()
        demo.load()
        demo.create_cluster()
        demo.workload()
        say("measuring %s cold (restarted: empty shared_buffers)" % NEW)
        demo.new.restart()
        demo.measure("cold")
        demo.new.restart()
        t0, events = demo.add_replica(args.runner)
        demo.measure("warmed")
        demo.measure("reference", demo.reader)
        ok = demo.report(t0, events)
        ok = demo.dry_run() and ok
        print()
        print("demo %s in %.0f s (runner: prewarm %s)" % ("succeeded" if ok else "FAILED",
                                                         time.time() - started, args.runner))
        return 0 if ok else 1
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("demo: %s" % e, file=sys.stderr)
        return 2
    finally:
        say("cleaning up (moto pid %s, PostgreSQL in %s, %s)" % (
            demo.moto[1].pid if demo.moto else "-", demo.pg.base if demo.pg else "-", demo.work))
        demo.close()


if __name__ == "__main__":
    sys.exit(main())
