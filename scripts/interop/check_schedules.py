#!/usr/bin/env python3
"""Schedule interop checks for aecos, judged by real tools: MPXJ (Java, through
JPype) and xerparser.

This is an oracle written without aecos: it never imports aecos code.  It runs
the aecos binary as a subprocess only to obtain what is being judged
(`aecos inspect FILE --json`, `aecos export xer|mspdi`, `aecos import`); every
expected value comes from MPXJ, xerparser or the project's own record files
(read here with csv/json).

Groups of checks:

  corpus     every $AECOS_CORPUS/xer/*.xer, mspdi/*.xml and p6-pmxml/* file is
             read with MPXJ and with `aecos inspect --json`; per project the
             counts (activities, relationships, WBS, resources, assignments)
             and per activity code the name, start and finish (to the minute)
             must agree.
  export     the sample project (a fresh copy of examples/riverside-clinic) is
             exported as XER and MSPDI; xerparser (strict: any CorruptXerFile
             or parse exception fails) and MPXJ must find in them what the
             records (records/schedule/*.csv, *.json) say.  A tampered copy of
             the XER (one TASKPRED row deleted) must be caught.
  roundtrip  each corpus XER is imported into a fresh copy of the sample
             project without schedule records and exported again; xerparser
             and MPXJ must read from that XER the activities, relationship
             count and WBS count MPXJ read from the original file.

MPXJ notions (they match aecos's readers):
  activities     MSPDI: tasks that are not summaries (Summary flag or child
                 tasks), not the project summary (UID 0 / outline level 0),
                 not null tasks.  P6 (XER, PMXML): tasks that are P6
                 activities (not WBS elements).
  relationships  predecessor links whose both ends are such activities.
  WBS            summary tasks other than the project summary; P6: the WBS
                 elements other than the project node (XER proj_node_flag=Y,
                 read through MPXJ's WBS field map into Flag20).
  resources      resources less the unnamed UID 0 placeholder and P6 roles.
  assignments    to such an activity and a real resource.
  start/finish   Task.getStart()/getFinish().  For XER MPXJ fills Start from
                 act_start_date, restart_date, target_start_date,
                 early_start_date (first non-empty; Finish likewise with the
                 end dates), which is also aecos's order.  aecos prints local
                 wall-clock "YYYY-MM-DDTHH:MM"; both sides are cut to the minute.
  activity code  P6: Activity ID (task_code); MSPDI: WBS, else ID.
  project id     P6: proj_short_name (MPXJ ProjectID); MSPDI: Name (else "1").

Usage (see scripts/interop.sh):
  check_schedules.py --aecos BIN --example examples/riverside-clinic \
      --work DIR [--corpus DIR] [--counts FILE] [--only GROUP ...]

Exit status: 0 all checks passed, 1 a check failed, 2 bad usage.  A missing
tool, file or corpus is a failed check, never a skip.  Every disagreement is
printed (file, project, field, ours vs the tool's).
"""

import argparse
import csv
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REL_TYPES = {
    "FINISH_START": "FS",
    "START_START": "SS",
    "FINISH_FINISH": "FF",
    "START_FINISH": "SF",
}
XER_REL_TYPES = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}
XER_RSRC_TYPES = {"RT_Labor": "labor", "RT_Equip": "nonlabor", "RT_Mat": "material"}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
XP_WEEKDAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
HOURS_TOL = 1e-6


# --------------------------------------------------------------------------
# results bookkeeping (same shape as check_payapp.py; every problem printed)


class Results:
    def __init__(self):
        self.items = []  # (group, name, problems)
        self.notes = []  # (group, text): skips that are documented behaviour

    def check(self, group, name, fn, *args):
        problems = []
        t0 = time.monotonic()
        try:
            fn(problems.append, *args)
        except Exception as e:  # an unreadable input is a failure, not a skip
            problems.append(f"{type(e).__name__}: {e}")
        self.record(group, name, problems, time.monotonic() - t0)
        return not problems

    def note(self, group, text):
        self.notes.append((group, text))
        print(f"NOTE {group} {text}")

    def record(self, group, name, problems, secs=0.0):
        self.items.append((group, name, problems))
        if problems:
            print(f"FAIL {group} {name}:")
            for p in problems:
                print(f"     {p}")
        elif os.environ.get("INTEROP_VERBOSE"):
            print(f"ok   {group} {name} ({secs:.1f}s)")

    def counts(self):
        failed = sum(1 for _, _, p in self.items if p)
        return len(self.items) - failed, failed

    def summary(self):
        groups = []
        for g, _, _ in self.items:
            if g not in groups:
                groups.append(g)
        for g in groups:
            mine = [(n, p) for gg, n, p in self.items if gg == g]
            bad = [n for n, p in mine if p]
            line = f"  {g:<10} {len(mine) - len(bad)}/{len(mine)} ok"
            skipped = sum(1 for gg, _ in self.notes if gg == g)
            if skipped:
                line += f", {skipped} not applicable (see NOTE)"
            if bad:
                line += "  (failed: " + ", ".join(bad) + ")"
            print(line)


# --------------------------------------------------------------------------
# small helpers


def s(x):
    """A Java value as a Python str (None stays None)."""
    return None if x is None else str(x)


def minute(x):
    """A LocalDateTime / 'YYYY-MM-DDTHH:MM[:SS]' / datetime cut to the minute."""
    if x is None:
        return None
    if hasattr(x, "strftime"):
        return x.strftime("%Y-%m-%dT%H:%M")
    return str(x)[:16]


def num_eq(a, b):
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=0, abs_tol=HOURS_TOL)


def fmt_num(x):
    if x is None:
        return "None"
    x = float(x)
    return str(int(x)) if x == int(x) else repr(x)


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    return p.returncode, p.stdout, p.stderr


def short_err(out, err):
    text = (out.strip() + " " + err.strip()).strip()
    return text[:600] if text else "(no output)"


def multiset_diff(fail, what, ours, theirs, ours_label, theirs_label, show=None):
    """Report the elements of two lists that do not pair up (as multisets)."""
    from collections import Counter

    a, b = Counter(ours), Counter(theirs)
    show = show or (lambda x: repr(x))
    for x in sorted(a - b, key=repr):
        fail(f"{what}: {show(x)} in {ours_label} ({(a - b)[x]}x) but not in {theirs_label}")
    for x in sorted(b - a, key=repr):
        fail(f"{what}: {show(x)} in {theirs_label} ({(b - a)[x]}x) but not in {ours_label}")


def copy_example(example, dest):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(example, dest)
    return dest


# --------------------------------------------------------------------------
# MPXJ (one JVM for the whole process)


class Mpxj:
    def __init__(self):
        import jpype
        import mpxj  # noqa: F401  puts the MPXJ jars on the class path

        if not jpype.isJVMStarted():
            jpype.startJVM()
        from org.mpxj import TaskField, TimeUnit
        from org.mpxj.mspdi import MSPDIReader
        from org.mpxj.primavera import PrimaveraPMFileReader, PrimaveraXERFileReader
        from org.mpxj.reader import UniversalProjectReader

        self.TaskField = TaskField
        self.TimeUnit = TimeUnit
        self.MSPDIReader = MSPDIReader
        self.PrimaveraPMFileReader = PrimaveraPMFileReader
        self.PrimaveraXERFileReader = PrimaveraXERFileReader
        self.UniversalProjectReader = UniversalProjectReader

    def read(self, path, fmt):
        """All projects of the file as plain Python views."""
        if fmt == "xer":
            r = self.PrimaveraXERFileReader()
            # The project node of a P6 WBS (proj_node_flag=Y) becomes a summary
            # task in MPXJ; carry the flag so the view can leave it out.
            r.getWbsFieldMap().put(self.TaskField.FLAG20, "proj_node_flag")
            files = list(r.readAll(path))
        elif fmt == "pmxml":
            files = list(self.PrimaveraPMFileReader().readAll(path))
        elif fmt == "mspdi":
            pf = self.UniversalProjectReader().read(path)
            if pf is None:
                raise ValueError("MPXJ UniversalProjectReader recognised no project in the file")
            files = [pf]
        else:
            raise ValueError(fmt)
        return [self.view(pf, fmt) for pf in files]

    # -- the notions (see the module docstring) --

    def view(self, pf, fmt):
        props = pf.getProjectProperties()
        acts = []  # Task objects that are activities
        wbs = 0
        for t in pf.getTasks():
            if fmt == "mspdi":
                uid = t.getUniqueID()
                if uid is None:
                    continue
                lvl = t.getOutlineLevel()
                if int(uid) == 0 or (lvl is not None and int(lvl) == 0):
                    continue
                if bool(t.getNull()):
                    continue
                if bool(t.getSummary()) or bool(t.hasChildTasks()):
                    wbs += 1
                else:
                    acts.append(t)
            elif fmt == "pmxml":
                if t.getActivityID() is not None and not bool(t.getSummary()):
                    acts.append(t)
                else:
                    wbs += 1
            else:  # xer: WBS elements are summary tasks, activities are not
                if bool(t.getSummary()):
                    if not bool(t.getFlag(20)):  # not the project node
                        wbs += 1
                else:
                    acts.append(t)
        act_ids = {int(t.getUniqueID()) for t in acts}

        def code(t):
            if fmt == "mspdi":
                w = s(t.getWBS())
                return w if w else s(t.getID())
            return s(t.getActivityID())

        view_acts = []
        for t in acts:
            view_acts.append(
                {
                    "uid": int(t.getUniqueID()),
                    "code": code(t),
                    "name": s(t.getName()),
                    "start": minute(t.getStart()),
                    "finish": minute(t.getFinish()),
                    "text1": s(t.getText(1)),
                    "calendar": s(t.getCalendar().getName()) if t.getCalendar() is not None else None,
                }
            )
        rels = []
        for t in acts:
            for r in t.getPredecessors():
                p = r.getPredecessorTask()
                if p is None or p.getUniqueID() is None or int(p.getUniqueID()) not in act_ids:
                    continue
                lag = r.getLag()
                hours = None
                if lag is not None:
                    hours = float(lag.convertUnits(self.TimeUnit.HOURS, props).getDuration())
                rels.append(
                    {
                        "pred": code(p),
                        "succ": code(t),
                        "type": REL_TYPES.get(s(r.getType()), s(r.getType())),
                        "lag_hours": 0.0 if hours is None else hours,
                    }
                )
        resources = []
        res_ids = set()
        for r in pf.getResources():
            uid = r.getUniqueID()
            name = s(r.getName())
            if uid is not None and int(uid) == 0 and (name is None or name.strip() == ""):
                continue
            if bool(r.getRole()):  # P6 roles are not resources in our model
                continue
            resources.append({"uid": None if uid is None else int(uid), "id": s(r.getResourceID()), "name": name})
            if uid is not None:
                res_ids.add(int(uid))
        assignments = []
        for a in pf.getResourceAssignments():
            t, r = a.getTask(), a.getResource()
            if t is None or r is None:
                continue
            if int(t.getUniqueID()) not in act_ids or int(r.getUniqueID()) not in res_ids:
                continue
            assignments.append({"activity": code(t), "resource": s(r.getResourceID()), "resource_name": s(r.getName())})
        if fmt == "mspdi":
            pid = s(props.getName()) or "1"
        else:
            pid = s(props.getProjectID())
        return {
            "id": pid,
            "name": s(props.getName()),
            "title": s(props.getProjectTitle()),
            "acts": view_acts,
            "rels": rels,
            "wbs": wbs,
            "resources": resources,
            "assignments": assignments,
        }


# --------------------------------------------------------------------------
# corpus agreement


CORPUS_GLOBS = [("xer", "xer/*.xer"), ("mspdi", "mspdi/*.xml"), ("pmxml", "p6-pmxml/*")]


def find_corpus(arg):
    """(path, None) or (None, why)."""
    if arg:
        return (os.path.abspath(arg), None) if os.path.isdir(arg) else (None, f"--corpus {arg} is not a folder")
    env = os.environ.get("AECOS_CORPUS")
    if env:
        if os.path.isdir(env):
            return os.path.abspath(env), None
        return None, f"AECOS_CORPUS={env} is not a folder"
    fallback = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus"))
    if os.path.isdir(fallback):
        return fallback, None
    return None, f"AECOS_CORPUS is not set and {fallback} does not exist"


def corpus_files(corpus):
    out = []
    for fmt, pattern in CORPUS_GLOBS:
        files = sorted(f for f in glob.glob(os.path.join(corpus, pattern)) if os.path.isfile(f))
        out.append((fmt, pattern, files))
    return out


def aecos_inspect(aecos, path):
    rc, out, err = run([aecos, "inspect", path, "--json"])
    if rc != 0:
        raise RuntimeError(f"aecos inspect exited {rc}: {short_err(out, err)}")
    return json.loads(out)


def pair_projects(fail, label, ours, theirs):
    """Match aecos's and MPXJ's projects by id; the unmatched are failures.
    Returns [(ours, theirs)]."""
    by_id = {}
    for p in theirs:
        by_id.setdefault(p["id"], []).append(p)
    pairs = []
    unmatched_ours = []
    for o in ours:
        cand = by_id.get(o["id"])
        if cand:
            pairs.append((o, cand.pop(0)))
        else:
            unmatched_ours.append(o)
    rest = [p for ps in by_id.values() for p in ps]
    if len(unmatched_ours) == 1 and len(rest) == 1:
        o, t = unmatched_ours[0], rest[0]
        fail(f"{label}: project id: ours {o['id']!r} vs MPXJ {t['id']!r} (compared as the only project)")
        pairs.append((o, t))
    else:
        for o in unmatched_ours:
            fail(f"{label}: project {o['id']!r}: in ours, MPXJ has no project with that id (MPXJ: {[p['id'] for p in theirs]})")
        for t in rest:
            fail(
                f"{label}: project {t['id']!r}: MPXJ reads it ({len(t['acts'])} activities), ours has no project with that id "
                f"(ours: {[p['id'] for p in ours]})"
            )
    return pairs


def compare_activities(fail, where, ours_acts, theirs_acts, theirs_label="MPXJ", dates=True, ours_label="ours"):
    """ours_acts/theirs_acts: lists of dicts with code, name, start, finish."""
    from collections import defaultdict

    a, b = defaultdict(list), defaultdict(list)
    for x in ours_acts:
        a[x["code"]].append(x)
    for x in theirs_acts:
        b[x["code"]].append(x)
    for c in sorted(set(a) | set(b), key=lambda v: (v is None, str(v))):
        oa, tb = a.get(c, []), b.get(c, [])
        if len(oa) != len(tb):
            fail(f"{where}: activity {c}: {ours_label} has {len(oa)}, {theirs_label} {len(tb)}")
            continue
        key = lambda x: (str(x["name"]), str(x.get("start")), str(x.get("finish")))  # noqa: E731
        for x, y in zip(sorted(oa, key=key), sorted(tb, key=key)):
            fields = ["name", "start", "finish"] if dates else ["name"]
            for f in fields:
                ov = x.get(f) if f == "name" else minute(x.get(f))
                tv = y.get(f) if f == "name" else minute(y.get(f))
                if ov != tv:
                    fail(f"{where}: activity {c}: {f}: {ours_label} {ov!r} vs {theirs_label} {tv!r}")


def check_corpus_file(fail, mp, aecos, path, fmt, label):
    try:
        theirs = mp.read(path, fmt)
    except Exception as e:  # noqa: BLE001
        fail(f"{label}: MPXJ cannot read it: {type(e).__name__}: {e}")
        return
    ours = aecos_inspect(aecos, path)["projects"]
    if not theirs and ours:
        fail(f"{label}: MPXJ finds no project, ours finds {len(ours)}")
    for o, t in pair_projects(fail, label, ours, theirs):
        where = f"{label} project {o['id']}"
        counts = [
            ("activities", o["tasks"], len(t["acts"])),
            ("relationships", o["relationships"], len(t["rels"])),
            ("wbs", o["wbs"], t["wbs"]),
            ("resources", o["resources"], len(t["resources"])),
            ("assignments", o["assignments"], len(t["assignments"])),
        ]
        # Where MPXJ cannot read rows aecos reads (documented leniency of xer_read.rs:
        # rows without proj_id in a one-project file), MPXJ sees none of them; then the
        # judge for that count is the raw table itself, read plainly here.
        raw = xer_tables(path) if fmt == "xer" else {}
        task_cols, task_rows = raw.get("TASK", ([], []))
        pred_cols, pred_rows = raw.get("TASKPRED", ([], []))
        lenient = {}
        if task_cols and "proj_id" not in task_cols and len(t["acts"]) == 0:
            lenient["activities"] = len(task_rows)
        if pred_cols and ("proj_id" not in pred_cols or "pred_proj_id" not in pred_cols) and len(t["rels"]) == 0:
            lenient["relationships"] = len(pred_rows)
        for field, ov, tv in counts:
            if field in lenient:
                if ov != lenient[field]:
                    fail(f"{where}: {field}: ours {ov} vs {lenient[field]} rows in the file (MPXJ drops rows without proj_id)")
                else:
                    print(f"  note: {where}: {field}: MPXJ reads {tv} (rows without proj_id); ours {ov} = the file's rows")
            elif ov != tv:
                fail(f"{where}: {field}: ours {ov} vs MPXJ {tv}")
        if len(o["activities"]) != o["tasks"]:
            fail(f"{where}: inspect lists {len(o['activities'])} activities but counts tasks={o['tasks']}")
        if "activities" in lenient:
            codes = sorted(r.get("task_code", "") for r in task_rows)
            if sorted(a["code"] for a in o["activities"]) != codes:
                fail(f"{where}: activity codes differ from the file's TASK rows")
            continue
        # Dates MPXJ reads as empty because they are Oracle dd-MON-yy text are not compared.
        oracle_codes = {r.get("task_code") for r in task_rows if any(ORACLE_DATE.match(v or "") for c, v in r.items() if c.endswith("_date"))}
        acts = [a for a in t["acts"] if a["code"] not in oracle_codes]
        mine = [a for a in o["activities"] if a["code"] not in oracle_codes]
        if oracle_codes:
            print(f"  note: {where}: {len(oracle_codes)} activities with Oracle dd-MON-yy dates not compared on dates")
            compare_activities(fail, where, o["activities"], t["acts"], dates=False)
        compare_activities(fail, where, mine, acts)


def xer_tables(path):
    """{TABLE: (columns, rows)} of an XER, read plainly (for explanations only)."""
    tables = {}
    cur = None
    with open(path, encoding="cp1252", errors="replace") as f:
        for line in f.read().splitlines():
            parts = line.split("\t")
            if parts[0] == "%T" and len(parts) > 1:
                cur = parts[1].strip()
                tables.setdefault(cur, ([], []))
            elif parts[0] == "%F" and cur:
                tables[cur] = ([c.strip() for c in parts[1:]], tables[cur][1])
            elif parts[0] == "%R" and cur:
                tables[cur][1].append(dict(zip(tables[cur][0], parts[1:])))
    return tables


ORACLE_DATE = re.compile(r"^[0-9]{2}-[A-Za-z]{3}-[0-9]{2,4}$")


class Records:
    def __init__(self, sched_dir):
        self.dir = sched_dir

        def rows(name):
            with open(os.path.join(sched_dir, name), newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f))

        def js(name):
            with open(os.path.join(sched_dir, name), encoding="utf-8") as f:
                return json.load(f)

        self.project = js("project.json")
        self.calendars = js("calendars.json")
        self.activities = rows("activities.csv")
        self.relationships = rows("relationships.csv")
        self.wbs = rows("wbs.csv")
        self.resources = rows("resources.csv")
        self.assignments = rows("assignments.csv")
        self.cal_by_key = {c["key"]: c for c in self.calendars}

    def activity_calendar(self, a):
        return a["calendar"] or self.project.get("calendar")

    def rel_tuples(self):
        return [(r["predecessor"], r["successor"], r["type"], float(r["lag_hours"])) for r in self.relationships]


def show_rel(r):
    return f"{r[0]} -> {r[1]} {r[2]} lag {fmt_num(r[3])}h"


def week_hours(shifts):
    total = 0.0
    for a, b in shifts:
        ha, ma = map(int, a.split(":"))
        hb, mb = map(int, b.split(":"))
        end = hb * 60 + mb
        if end == 0:
            end = 24 * 60
        total += (end - (ha * 60 + ma)) / 60
    return total


# --------------------------------------------------------------------------
# export checks


class Exports:
    """Exports of a fresh copy of the sample project, and their judges."""

    def __init__(self, aecos, example, work, mp):
        self.aecos = aecos
        self.example = example
        self.work = work
        self.mp = mp
        self.rec = None
        self.files = {}
        self.xp = None  # xerparser Xer
        self.mpxj_xer = None
        self.mpxj_mspdi = None

    def load_records(self, fail):
        self.rec = Records(os.path.join(self.example, "records", "schedule"))

    def export(self, fail, target):
        proj = copy_example(self.example, os.path.join(self.work, f"export-project-{target}"))
        out = os.path.join(self.work, f"export-{target}")
        if os.path.exists(out):
            shutil.rmtree(out)
        rc, stdout, err = run([self.aecos, "export", target, "--project", proj, "--out", out, "--json"])
        with open(out + ".json", "w", encoding="utf-8") as f:
            f.write(stdout)
        if rc != 0:
            fail(f"aecos export {target} exited {rc}: {short_err(stdout, err)}")
            return
        ext = {"xer": "*.xer", "mspdi": "*.xml"}[target]
        found = sorted(glob.glob(os.path.join(out, ext)))
        if len(found) != 1:
            fail(f"expected one {ext} in {out}, found {len(found)}")
            return
        self.files[target] = found[0]
        summary = json.loads(stdout).get("summary", {})
        want = {
            "project": self.rec.project["id"],
            "activities": len(self.rec.activities),
            "relationships": len(self.rec.relationships),
            "wbs": len(self.rec.wbs),
            "calendars": len(self.rec.calendars),
            "resources": len(self.rec.resources),
            "assignments": len(self.rec.assignments),
        }
        for k, v in want.items():
            if summary.get(k) != v:
                fail(f"export {target} --json summary.{k}: ours {summary.get(k)!r} vs records {v!r}")

    # -- xerparser on the XER --

    def xp_parse(self, fail):
        from xerparser import Xer

        self.xp = Xer.reader(self.files["xer"])  # raises CorruptXerFile on errors
        projects = list(self.xp.projects.values())
        if len(projects) != 1:
            fail(f"xerparser: {len(projects)} exported projects, expected 1")
        elif projects[0].short_name != self.rec.project["id"]:
            fail(f"xerparser: project short name {projects[0].short_name!r} vs records {self.rec.project['id']!r}")

    def _xp_project(self):
        return list(self.xp.projects.values())[0]

    def xp_activities(self, fail):
        p = self._xp_project()
        ours = [(a["id"], a["name"]) for a in self.rec.activities]
        theirs = [(t.task_code, t.name) for t in p.tasks]
        if len(theirs) != len(ours):
            fail(f"activity count: xerparser {len(theirs)} vs records {len(ours)}")
        multiset_diff(fail, "activity (code, name)", theirs, ours, "the XER (xerparser)", "the records")

    def xp_relationships(self, fail):
        p = self._xp_project()
        theirs = []
        for r in p.relationships:
            theirs.append((r.predecessor.task_code, r.successor.task_code, XER_REL_TYPES.get(r.pred_type, r.pred_type), float(r.lag_hr_cnt)))
        ours = self.rec.rel_tuples()
        if len(theirs) != len(ours):
            fail(f"relationship count: xerparser {len(theirs)} vs records {len(ours)}")
        multiset_diff(fail, "relationship", theirs, ours, "the XER (xerparser)", "the records", show_rel)

    def xp_wbs(self, fail):
        p = self._xp_project()
        nodes = [w for w in p.wbs_nodes if not w.is_proj_node]
        if len(nodes) != len(self.rec.wbs):
            fail(f"WBS count (less the project node): xerparser {len(nodes)} vs records {len(self.rec.wbs)}")
        proj_nodes = [w for w in p.wbs_nodes if w.is_proj_node]
        if len(proj_nodes) != 1:
            fail(f"project nodes (proj_node_flag=Y): xerparser {len(proj_nodes)}, expected 1")
        multiset_diff(
            fail,
            "WBS (code, name)",
            [(w.code, w.name) for w in nodes],
            [(w["code"], w["name"]) for w in self.rec.wbs],
            "the XER (xerparser)",
            "the records",
        )

    def xp_calendars(self, fail):
        p = self._xp_project()
        cals = {c.name: c for c in p.calendars}
        if len(p.calendars) != len(self.rec.calendars):
            fail(f"calendar count: xerparser {len(p.calendars)} vs records {len(self.rec.calendars)}")
        for rc in self.rec.calendars:
            c = cals.get(rc["name"])
            if c is None:
                fail(f"calendar {rc['key']} ({rc['name']!r}): not in the XER (xerparser names: {sorted(cals)})")
                continue
            if not num_eq(c.day_hr_cnt, rc["hours_per_day"]):
                fail(f"calendar {rc['key']}: hours per day: xerparser {c.day_hr_cnt} vs records {rc['hours_per_day']}")
            ww = c.work_week
            for d in WEEKDAYS:
                want = [tuple(x) for x in rc["week"].get(d, [])]
                got = ww.get(XP_WEEKDAYS[d])
                got_shifts = [] if got is None else [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in got.shifts]
                if got_shifts != want:
                    fail(f"calendar {rc['key']}: {d} shifts: xerparser {got_shifts} vs records {want}")
                got_h = 0.0 if got is None else float(got.hours)
                if not num_eq(got_h, week_hours(want)):
                    fail(f"calendar {rc['key']}: {d} hours: xerparser {got_h} vs records {week_hours(want)}")
            want_hol = sorted(e["date"] for e in rc.get("exceptions", []) if not e.get("shifts"))
            got_hol = sorted(d.strftime("%Y-%m-%d") for d in c.holidays)
            if got_hol != want_hol:
                multiset_diff(fail, f"calendar {rc['key']} holiday", got_hol, want_hol, "the XER (xerparser)", "the records")
            want_work = sorted(e["date"] for e in rc.get("exceptions", []) if e.get("shifts"))
            got_work = sorted(d.strftime("%Y-%m-%d") for d in c.work_exceptions)
            if got_work != want_work:
                multiset_diff(fail, f"calendar {rc['key']} working exception", got_work, want_work, "the XER (xerparser)", "the records")
        # every activity on the records' calendar (its own, else the project's)
        names = {k: c["name"] for k, c in self.rec.cal_by_key.items()}
        by_code = {t.task_code: t for t in p.tasks}
        for a in self.rec.activities:
            t = by_code.get(a["id"])
            if t is None:
                continue  # reported by xp_activities
            want = names.get(self.rec.activity_calendar(a))
            got = t.calendar.name if t.calendar is not None else None
            if got != want:
                fail(f"activity {a['id']}: calendar: xerparser {got!r} vs records {want!r}")
        dc = p.default_calendar.name if p.default_calendar is not None else None
        if dc != names.get(self.rec.project.get("calendar")):
            fail(f"project default calendar: xerparser {dc!r} vs records {names.get(self.rec.project.get('calendar'))!r}")

    def xp_resources(self, fail):
        theirs = [(r.code, r.name, XER_RSRC_TYPES.get(r.type, r.type)) for r in self.xp.resources.values()]
        ours = [(r["id"], r["name"], r["kind"]) for r in self.rec.resources]
        if len(theirs) != len(ours):
            fail(f"resource count: xerparser {len(theirs)} vs records {len(ours)}")
        multiset_diff(fail, "resource (id, name, kind)", theirs, ours, "the XER (xerparser)", "the records")

    def xp_assignments(self, fail):
        p = self._xp_project()
        by_task = {t.uid: t.task_code for t in p.tasks}
        theirs = []
        for a in p.resources:
            theirs.append(
                (
                    by_task.get(a.task_id),
                    a.resource.code,
                    fmt_num(a.target_qty),
                    fmt_num(a.act_reg_qty + a.act_ot_qty),
                    fmt_num(a.remain_qty),
                )
            )
        ours = [
            (a["activity"], a["resource"], fmt_num(a["planned_units"]), fmt_num(a["actual_units"]), fmt_num(a["remaining_units"]))
            for a in self.rec.assignments
        ]
        if len(theirs) != len(ours):
            fail(f"assignment count: xerparser {len(theirs)} vs records {len(ours)}")
        multiset_diff(
            fail,
            "assignment (activity, resource, planned, actual, remaining)",
            theirs,
            ours,
            "the XER (xerparser)",
            "the records",
        )

    # -- MPXJ on the XER and the MSPDI --

    def mpxj_read(self, fail, target):
        fmt = {"xer": "xer", "mspdi": "mspdi"}[target]
        views = self.mp.read(self.files[target], fmt)
        if len(views) != 1:
            fail(f"MPXJ reads {len(views)} projects, expected 1")
            return
        v = views[0]
        if target == "xer":
            self.mpxj_xer = v
            if v["id"] != self.rec.project["id"]:
                fail(f"project id: MPXJ {v['id']!r} vs records {self.rec.project['id']!r}")
        else:
            self.mpxj_mspdi = v
        if v["name"] != self.rec.project["name"] and v["title"] != self.rec.project["name"]:
            fail(f"project name: MPXJ name {v['name']!r} / title {v['title']!r} vs records {self.rec.project['name']!r}")

    def _view(self, target):
        v = self.mpxj_xer if target == "xer" else self.mpxj_mspdi
        if v is None:
            raise RuntimeError("MPXJ could not read the export (see the read check)")
        return v

    def mpxj_activities(self, fail, target):
        v = self._view(target)
        ours = [{"code": a["id"], "name": a["name"], "start": a["start"] or None, "finish": a["finish"] or None} for a in self.rec.activities]
        if len(v["acts"]) != len(ours):
            fail(f"activity count: MPXJ {len(v['acts'])} vs records {len(ours)}")
        compare_activities(fail, f"{target}", ours, v["acts"], theirs_label="MPXJ", ours_label="records")
        if target == "mspdi":
            for a in v["acts"]:
                if a["text1"] != a["code"]:
                    fail(f"mspdi: activity {a['code']}: Text1 {a['text1']!r} differs from WBS {a['code']!r}")

    def mpxj_relationships(self, fail, target):
        v = self._view(target)
        theirs = [(r["pred"], r["succ"], r["type"], round(r["lag_hours"], 6)) for r in v["rels"]]
        ours = [(a, b, t, round(l, 6)) for a, b, t, l in self.rec.rel_tuples()]
        if len(theirs) != len(ours):
            fail(f"relationship count: MPXJ {len(theirs)} vs records {len(ours)}")
        multiset_diff(fail, "relationship", theirs, ours, f"the {target} (MPXJ)", "the records", show_rel)

    def mpxj_wbs(self, fail, target):
        v = self._view(target)
        want = len(self.rec.wbs)
        if target == "mspdi":
            # MS Project XML leaves out WBS nodes with no activity under them (a summary
            # task without children is read as a plain task), as documented.
            used = {a["wbs"] for a in self.rec.activities if a["wbs"]}
            parent = {w["key"]: w["parent"] for w in self.rec.wbs}
            nonempty = set()
            for k in used:
                while k and k not in nonempty:
                    nonempty.add(k)
                    k = parent.get(k)
            want = len(nonempty)
        if v["wbs"] != want:
            fail(f"WBS count: MPXJ {v['wbs']} vs records {want}")

    def mpxj_resources(self, fail, target):
        v = self._view(target)
        if len(v["resources"]) != len(self.rec.resources):
            fail(f"resource count: MPXJ {len(v['resources'])} vs records {len(self.rec.resources)}")
        multiset_diff(
            fail,
            "resource name",
            [r["name"] for r in v["resources"]],
            [r["name"] for r in self.rec.resources],
            f"the {target} (MPXJ)",
            "the records",
        )
        if target == "xer":
            multiset_diff(
                fail,
                "resource id",
                [r["id"] for r in v["resources"]],
                [r["id"] for r in self.rec.resources],
                "the XER (MPXJ)",
                "the records",
            )

    # -- negative control: a tampered copy must be caught --

    def tamper(self, fail):
        src = self.files["xer"]
        with open(src, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        table = None
        victim = None
        for i, line in enumerate(lines):
            if line.startswith(b"%T"):
                table = line[2:].strip()
            elif table == b"TASKPRED" and line.startswith(b"%R"):
                victim = i
                break
        if victim is None:
            fail("no TASKPRED row to delete in the exported XER")
            return
        tampered = os.path.join(self.work, "tampered", os.path.basename(src))
        os.makedirs(os.path.dirname(tampered), exist_ok=True)
        with open(tampered, "wb") as f:
            f.write(b"\n".join(lines[:victim] + lines[victim + 1 :]))
        from xerparser import Xer

        saved = (self.files["xer"], self.xp, self.mpxj_xer)
        try:
            self.files["xer"] = tampered
            self.xp = Xer.reader(tampered)
            self.mpxj_xer = self.mp.read(tampered, "xer")[0]
            caught_xp, caught_mp = [], []
            self.xp_relationships(caught_xp.append)
            self.mpxj_relationships(caught_mp.append, "xer")
        finally:
            self.files["xer"], self.xp, self.mpxj_xer = saved
        want = f"{len(self.rec.relationships) - 1} vs records {len(self.rec.relationships)}"
        for judge, caught in (("xerparser", caught_xp), ("MPXJ", caught_mp)):
            if not any("relationship count" in c and want in c for c in caught):
                fail(f"deleting one TASKPRED row went unnoticed by the {judge} relationship check (it said: {caught})")
        if not os.environ.get("INTEROP_QUIET_TAMPER"):
            print(f"     tamper control ({tampered}): caught: {caught_xp[0] if caught_xp else '-'}")


# --------------------------------------------------------------------------
# round trip through aecos, judged by the tools


def check_roundtrip(fail, mp, aecos, example, work, path, label):
    """Returns a note when the file is out of scope (documented), else None."""
    base = os.path.join(work, "roundtrip", os.path.splitext(os.path.basename(path))[0])
    if os.path.exists(base):
        shutil.rmtree(base)
    os.makedirs(base)
    original = mp.read(path, "xer")
    proj = copy_example(example, os.path.join(base, "project"))
    shutil.rmtree(os.path.join(proj, "records", "schedule"))
    # aecos import moves the file it imports into the project's inbox/processed:
    # always hand it a copy, never the corpus file itself.
    src_dir = os.path.join(base, "src")
    os.makedirs(src_dir)
    src = os.path.join(src_dir, os.path.basename(path))
    shutil.copyfile(path, src)
    rc, out, err = run([aecos, "import", src, "--project", proj, "--json"])
    with open(os.path.join(base, "import.json"), "w", encoding="utf-8") as f:
        f.write(out + err)
    status = None
    try:
        status = json.loads(out)["files"][0]["status"]
    except Exception:  # noqa: BLE001
        pass
    if rc != 0 or status != "applied":
        text = out + err
        if len(original) > 1 and "project(s)" in text:
            return f"{label}: holds {len(original)} projects; aecos import rejects multi-project files (documented)"
        fail(f"{label}: aecos import exited {rc} (status {status!r}): {short_err(out, err)}")
        return None
    if len(original) != 1:
        fail(f"{label}: MPXJ reads {len(original)} projects but aecos import accepted the file")
        return None
    orig = original[0]
    # Where aecos and MPXJ already read the original differently (see the
    # corpus group), the re-export cannot match MPXJ's reading: say so.
    ours_orig = aecos_inspect(aecos, path)["projects"]
    # Rows MPXJ cannot place (no proj_id; the corpus group checked aecos's reading of
    # them against the raw table): for those, aecos's reading of the original is the
    # reference for the re-export.
    raw = xer_tables(path)
    task_cols, _ = raw.get("TASK", ([], []))
    pred_cols, _ = raw.get("TASKPRED", ([], []))
    if len(ours_orig) == 1:
        orig = dict(orig)
        if task_cols and "proj_id" not in task_cols and not orig["acts"]:
            orig["acts"] = ours_orig[0]["activities"]
            print(f"  note: {label}: activities compared with aecos's reading of the original (MPXJ drops rows without proj_id)")
        if pred_cols and ("proj_id" not in pred_cols or "pred_proj_id" not in pred_cols) and not orig["rels"]:
            orig["rels"] = [None] * ours_orig[0]["relationships"]
            print(f"  note: {label}: relationship count compared with aecos's reading of the original (MPXJ drops rows without proj_id)")
    differs = len(ours_orig) != 1 or (ours_orig[0]["tasks"], ours_orig[0]["relationships"], ours_orig[0]["wbs"]) != (
        len(orig["acts"]),
        len(orig["rels"]),
        orig["wbs"],
    )
    reported = []

    def fail_cmp(msg):
        if differs and not reported:
            fail(f"{label}: note: aecos inspect and MPXJ already disagree on the original file (see the corpus group)")
        reported.append(msg)
        fail(msg)

    outdir = os.path.join(base, "export")
    rc, out, err = run([aecos, "export", "xer", "--project", proj, "--out", outdir, "--json"])
    if rc != 0:
        fail(f"{label}: aecos export xer after the import exited {rc}: {short_err(out, err)}")
        return None
    found = sorted(glob.glob(os.path.join(outdir, "*.xer")))
    if len(found) != 1:
        fail(f"{label}: expected one .xer in {outdir}, found {len(found)}")
        return None
    xer = found[0]
    want_acts = [{"code": a["code"], "name": a["name"]} for a in orig["acts"]]
    # xerparser
    from xerparser import Xer

    try:
        x = Xer.reader(xer)
    except Exception as e:  # noqa: BLE001
        fail(f"{label}: xerparser cannot read the re-exported XER: {type(e).__name__}: {e}")
        x = None
    if x is not None:
        ps = list(x.projects.values())
        if len(ps) != 1:
            fail(f"{label}: xerparser finds {len(ps)} projects in the re-export")
        else:
            p = ps[0]
            got = [{"code": t.task_code, "name": t.name} for t in p.tasks]
            if len(got) != len(want_acts):
                fail_cmp(f"{label}: activity count: re-export (xerparser) {len(got)} vs original (MPXJ) {len(want_acts)}")
            compare_activities(fail_cmp, f"{label}", got, want_acts, theirs_label="original (MPXJ)", dates=False, ours_label="re-export (xerparser)")
            if len(p.relationships) != len(orig["rels"]):
                fail_cmp(f"{label}: relationship count: re-export (xerparser) {len(p.relationships)} vs original (MPXJ) {len(orig['rels'])}")
            nodes = [w for w in p.wbs_nodes if not w.is_proj_node]
            if len(nodes) != orig["wbs"]:
                fail_cmp(f"{label}: WBS count: re-export (xerparser) {len(nodes)} vs original (MPXJ) {orig['wbs']}")
    # MPXJ
    try:
        again = mp.read(xer, "xer")
    except Exception as e:  # noqa: BLE001
        fail(f"{label}: MPXJ cannot read the re-exported XER: {type(e).__name__}: {e}")
        return None
    if len(again) != 1:
        fail(f"{label}: MPXJ finds {len(again)} projects in the re-export")
        return None
    v = again[0]
    got = [{"code": a["code"], "name": a["name"]} for a in v["acts"]]
    if len(got) != len(want_acts):
        fail_cmp(f"{label}: activity count: re-export (MPXJ) {len(got)} vs original (MPXJ) {len(want_acts)}")
    compare_activities(fail_cmp, f"{label}", got, want_acts, theirs_label="original (MPXJ)", dates=False, ours_label="re-export (MPXJ)")
    if len(v["rels"]) != len(orig["rels"]):
        fail_cmp(f"{label}: relationship count: re-export (MPXJ) {len(v['rels'])} vs original (MPXJ) {len(orig['rels'])}")
    if v["wbs"] != orig["wbs"]:
        fail_cmp(f"{label}: WBS count: re-export (MPXJ) {v['wbs']} vs original (MPXJ) {orig['wbs']}")
    return None


# --------------------------------------------------------------------------


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aecos", required=True, help="the aecos binary")
    ap.add_argument("--example", required=True, help="the sample project folder (examples/riverside-clinic)")
    ap.add_argument("--work", required=True, help="folder for exports and temp projects (kept by the caller)")
    ap.add_argument("--corpus", help="corpus folder (default: $AECOS_CORPUS, else ../shared/corpus beside the repo)")
    ap.add_argument("--counts", help="write 'PASSED FAILED' to this file")
    ap.add_argument("--only", action="append", choices=["corpus", "export", "roundtrip"])
    a = ap.parse_args(argv)
    groups = a.only or ["corpus", "export", "roundtrip"]
    aecos = os.path.abspath(a.aecos)
    example = os.path.abspath(a.example)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)

    res = Results()
    state = {}
    t_start = time.monotonic()

    def tools(fail):
        if not os.access(aecos, os.X_OK):
            fail(f"{aecos} is not an executable")
        if not os.path.isdir(os.path.join(example, "records", "schedule")):
            fail(f"{example}/records/schedule is not a folder")
        import xerparser  # noqa: F401

        state["mpxj"] = Mpxj()

    res.check("tools", "mpxj-jvm-xerparser-aecos", tools)
    mp = state.get("mpxj")
    if mp is not None:
        from importlib.metadata import version

        print(f"     MPXJ {version('mpxj')}, JPype1 {version('JPype1')}, xerparser {version('xerparser')}")

    corpus, why = find_corpus(a.corpus)
    if ("corpus" in groups or "roundtrip" in groups) and corpus is None:

        def no_corpus(fail):
            fail(why)

        res.check("corpus", "find-corpus", no_corpus)

    if "corpus" in groups and corpus is not None:
        print(f"     corpus {corpus}")
        for fmt, pattern, files in corpus_files(corpus):
            if not files:
                res.check("corpus", pattern, lambda fail, p=pattern: fail(f"no files match {corpus}/{p}"))
                continue
            for path in files:
                label = os.path.relpath(path, corpus)
                if mp is None:
                    res.check("corpus", label, lambda fail: fail("not run: MPXJ is not available"))
                    continue
                res.check("corpus", label, check_corpus_file, mp, aecos, path, fmt, label)

    if "export" in groups:
        ex = Exports(aecos, example, work, mp)
        if res.check("export", "records", ex.load_records):
            ok_xer = res.check("export", "export-xer", ex.export, "xer")
            ok_msp = res.check("export", "export-mspdi", ex.export, "mspdi")
            if ok_xer:
                if res.check("export", "xer/xerparser-parse", ex.xp_parse):
                    res.check("export", "xer/xerparser-activities", ex.xp_activities)
                    res.check("export", "xer/xerparser-relationships", ex.xp_relationships)
                    res.check("export", "xer/xerparser-wbs", ex.xp_wbs)
                    res.check("export", "xer/xerparser-calendars", ex.xp_calendars)
                    res.check("export", "xer/xerparser-resources", ex.xp_resources)
                    res.check("export", "xer/xerparser-assignments", ex.xp_assignments)
                if mp is not None and res.check("export", "xer/mpxj-read", ex.mpxj_read, "xer"):
                    res.check("export", "xer/mpxj-activities", ex.mpxj_activities, "xer")
                    res.check("export", "xer/mpxj-relationships", ex.mpxj_relationships, "xer")
                    res.check("export", "xer/mpxj-wbs", ex.mpxj_wbs, "xer")
                    res.check("export", "xer/mpxj-resources", ex.mpxj_resources, "xer")
                if mp is not None:
                    res.check("export", "xer/tamper-caught", ex.tamper)
            if ok_msp and mp is not None and res.check("export", "mspdi/mpxj-read", ex.mpxj_read, "mspdi"):
                res.check("export", "mspdi/mpxj-activities", ex.mpxj_activities, "mspdi")
                res.check("export", "mspdi/mpxj-relationships", ex.mpxj_relationships, "mspdi")
                res.check("export", "mspdi/mpxj-wbs", ex.mpxj_wbs, "mspdi")
                res.check("export", "mspdi/mpxj-resources", ex.mpxj_resources, "mspdi")

    if "roundtrip" in groups and corpus is not None:
        files = sorted(glob.glob(os.path.join(corpus, "xer", "*.xer")))
        if not files:
            res.check("roundtrip", "xer/*.xer", lambda fail: fail(f"no files match {corpus}/xer/*.xer"))
        for path in files:
            label = os.path.relpath(path, corpus)
            if mp is None:
                res.check("roundtrip", label, lambda fail: fail("not run: MPXJ is not available"))
                continue
            skip = []
            problems = []
            try:
                skip = check_roundtrip(problems.append, mp, aecos, example, work, path, label)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{type(e).__name__}: {e}")
            if skip and not problems:
                res.note("roundtrip", skip)  # documented behaviour: not counted
                continue
            res.record("roundtrip", label, problems)

    passed, failed = res.counts()
    print(f"schedule checks: {passed} ok, {failed} failed ({time.monotonic() - t_start:.0f}s)")
    res.summary()
    if a.counts:
        with open(a.counts, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
