//! Primavera P6 XER writer: turns the canonical [`Schedule`] into the bytes of an XER
//! file that P6 (and Procore's schedule importer) can import.
//!
//! What it does:
//! - writes Windows-1252 text with CRLF line ends, an `ERMHDR` header carrying the
//!   version, export date, user and currency, then `%T`/`%F`/`%R` tables in parent-first
//!   order (CURRTYPE, MEMOTYPE, OBS, UMEASURE, PROJECT, CALENDAR, SCHEDOPTIONS, PROJWBS,
//!   RSRC, TASK, TASKMEMO, TASKPRED, TASKRSRC) and a closing `%E`;
//! - writes every table with the full column list a real P6 export carries (the P6 8.2
//!   export `xernative_sample.xer` in the project corpus; MEMOTYPE/TASKMEMO from the
//!   P6 23.12 export, UMEASURE from the 8.2 export `xernative_wk2.xer`), defaults filled;
//! - gives every project exactly one root PROJWBS row (`proj_node_flag=Y`) whose
//!   `wbs_short_name` is the project id, and hangs every top-level model WBS under it;
//! - maps model keys to integer ids (1, 2, 3 … per table, in model order), resolves
//!   every foreign key before a byte is written, and refuses what P6 would refuse
//!   (duplicate codes, dangling references, loops, dates out of order) with an error that
//!   names the row and says what to fix;
//! - encodes calendars in P6's `clndr_data` structured text (days 1=Sunday..7=Saturday,
//!   shifts `s|HH:MM|f|HH:MM`, exceptions `d|<days since 1899-12-30>`).
//!
//! What it must not do: read clocks or environment (the caller passes the export date),
//! iterate hash maps into the output, emit raw UTF-8, TAB/CR/LF inside a value, or
//! schedule (dates are written as the model has them; P6 recomputes on F9).

use crate::schedule::model::*;
use crate::schedule::problem::ScheduleProblem;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, PrimitiveDateTime, Time};

/// Default `ERMHDR` version.
///
/// "8.2" is deliberately old. Oracle P6 imports XER files written by older versions, but
/// an older importer refuses a newer file ("A version x XER file cannot be imported"),
/// and Procore's scheduling tool states that "the latest cloud versions of P6 .xer files
/// are not supported". 8.2 is also the oldest version for which the project holds a real
/// P6 export (`shared/corpus/xer/xernative_sample.xer`), and this writer emits exactly
/// that export's column lists, so header and columns agree. P6 20.12 exports carry the
/// same TASK column list. Callers that need a different label may set
/// [`XerOptions::version`]; the column set does not change with it.
pub const DEFAULT_XER_VERSION: &str = "8.2";

/// Caller's choices for one XER file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XerOptions {
    /// `ERMHDR` version label, digits and dots only, e.g. "8.2" or "20.12". See
    /// [`DEFAULT_XER_VERSION`] for why the default is conservative.
    pub version: String,
    /// Export timestamp: the header date and every add/create/update date in the file.
    /// Passed in so the same schedule always gives the same bytes.
    pub export_date: PrimitiveDateTime,
    /// P6 login written in the header (and as creator of rows).
    pub user: String,
    /// Base currency short name, e.g. "USD". Written in the header and as the single
    /// CURRTYPE row, so P6 never stops for its interactive currency prompt.
    pub currency: String,
}

impl XerOptions {
    /// Defaults: version [`DEFAULT_XER_VERSION`], user "aecos", currency "USD".
    pub fn new(export_date: PrimitiveDateTime) -> Self {
        XerOptions {
            version: DEFAULT_XER_VERSION.to_string(),
            export_date,
            user: "aecos".to_string(),
            currency: "USD".to_string(),
        }
    }
}

/// Why a schedule cannot be written as an XER P6 would import. Each names the row and
/// what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XerWriteError {
    #[error("XER option {field} = {value:?} is not usable: {fix}")]
    BadOption {
        field: &'static str,
        value: String,
        fix: &'static str,
    },
    #[error("project {project:?}: {field} {value:?} is not usable: {fix}")]
    BadProject {
        project: String,
        field: &'static str,
        value: String,
        fix: &'static str,
    },
    #[error("project id {0:?} is used by more than one project; P6 needs a unique proj_short_name, rename one")]
    DuplicateProjectId(String),
    #[error("project {project:?}: activity code {code:?} is used by activities {first:?} and {second:?}; P6 needs a unique Activity ID per project")]
    DuplicateActivityCode {
        project: String,
        code: String,
        first: String,
        second: String,
    },
    #[error("project {project:?}: WBS code {code:?} appears twice under {parent}; P6 fails with \"Cannot find a unique value for wbs_short_name\", rename one")]
    DuplicateWbsCode {
        project: String,
        parent: String,
        code: String,
    },
    #[error("internal: column {column} is not in table {table}")]
    Internal {
        table: &'static str,
        column: &'static str,
    },
    #[error(transparent)]
    Schedule(#[from] ScheduleProblem),
}

type R<T> = Result<T, XerWriteError>;

// ---------------------------------------------------------------------------------------
// Column lists (exact names and order of real P6 exports)
// ---------------------------------------------------------------------------------------

/// CURRTYPE: 11 columns, in the order of `xernative_sample.xer` (a real P6 8.2 export).
const CURRTYPE_COLS: [&str; 11] = [
    "curr_id",
    "decimal_digit_cnt",
    "curr_symbol",
    "decimal_symbol",
    "digit_group_symbol",
    "pos_curr_fmt_type",
    "neg_curr_fmt_type",
    "curr_type",
    "curr_short_name",
    "group_digit_cnt",
    "base_exch_rate",
];
/// MEMOTYPE: 7 columns, in the order of `nmoghimi_BL-54069-B2-20250902.xer` (P6 23.12).
const MEMOTYPE_COLS: [&str; 7] = [
    "memo_type_id",
    "seq_num",
    "eps_flag",
    "proj_flag",
    "wbs_flag",
    "task_flag",
    "memo_type",
];
/// OBS: 6 columns, in the order of `xernative_sample.xer`.
const OBS_COLS: [&str; 6] = [
    "obs_id",
    "parent_obs_id",
    "guid",
    "seq_num",
    "obs_name",
    "obs_descr",
];
/// UMEASURE: 4 columns, in the order of `xernative_wk2.xer` (a real P6 8.2 export).
const UMEASURE_COLS: [&str; 4] = ["unit_id", "seq_num", "unit_abbrev", "unit_name"];
/// PROJECT: 69 columns, in the order of `xernative_sample.xer`.
const PROJECT_COLS: [&str; 69] = [
    "proj_id",
    "fy_start_month_num",
    "rsrc_self_add_flag",
    "allow_complete_flag",
    "rsrc_multi_assign_flag",
    "checkout_flag",
    "project_flag",
    "step_complete_flag",
    "cost_qty_recalc_flag",
    "batch_sum_flag",
    "name_sep_char",
    "def_complete_pct_type",
    "proj_short_name",
    "acct_id",
    "orig_proj_id",
    "source_proj_id",
    "base_type_id",
    "clndr_id",
    "sum_base_proj_id",
    "task_code_base",
    "task_code_step",
    "priority_num",
    "wbs_max_sum_level",
    "strgy_priority_num",
    "last_checksum",
    "critical_drtn_hr_cnt",
    "def_cost_per_qty",
    "last_recalc_date",
    "plan_start_date",
    "plan_end_date",
    "scd_end_date",
    "add_date",
    "last_tasksum_date",
    "fcst_start_date",
    "def_duration_type",
    "task_code_prefix",
    "guid",
    "def_qty_type",
    "add_by_name",
    "web_local_root_path",
    "proj_url",
    "def_rate_type",
    "add_act_remain_flag",
    "act_this_per_link_flag",
    "def_task_type",
    "act_pct_link_flag",
    "critical_path_type",
    "task_code_prefix_flag",
    "def_rollup_dates_flag",
    "use_project_baseline_flag",
    "rem_target_link_flag",
    "reset_planned_flag",
    "allow_neg_act_flag",
    "sum_assign_level",
    "last_fin_dates_id",
    "last_baseline_update_date",
    "cr_external_key",
    "apply_actuals_date",
    "location_id",
    "loaded_scope_level",
    "export_flag",
    "new_fin_dates_id",
    "baselines_to_export",
    "baseline_names_to_export",
    "next_data_date",
    "close_period_flag",
    "sum_refresh_date",
    "trsrcsum_loaded",
    "sumtask_loaded",
];
/// CALENDAR: 13 columns, in the order of `xernative_sample.xer`.
const CALENDAR_COLS: [&str; 13] = [
    "clndr_id",
    "default_flag",
    "clndr_name",
    "proj_id",
    "base_clndr_id",
    "last_chng_date",
    "clndr_type",
    "day_hr_cnt",
    "week_hr_cnt",
    "month_hr_cnt",
    "year_hr_cnt",
    "rsrc_private",
    "clndr_data",
];
/// SCHEDOPTIONS: 25 columns, in the order of `xernative_sample.xer`.
const SCHEDOPTIONS_COLS: [&str; 25] = [
    "schedoptions_id",
    "proj_id",
    "sched_outer_depend_type",
    "sched_open_critical_flag",
    "sched_lag_early_start_flag",
    "sched_retained_logic",
    "sched_setplantoforecast",
    "sched_float_type",
    "sched_calendar_on_relationship_lag",
    "sched_use_expect_end_flag",
    "sched_progress_override",
    "level_float_thrs_cnt",
    "level_outer_assign_flag",
    "level_outer_assign_priority",
    "level_over_alloc_pct",
    "level_within_float_flag",
    "level_keep_sched_date_flag",
    "level_all_rsrc_flag",
    "sched_use_project_end_date_for_float",
    "enable_multiple_longest_path_calc",
    "limit_multiple_longest_path_calc",
    "max_multiple_longest_path",
    "use_total_float_multiple_longest_paths",
    "key_activity_for_multiple_longest_paths",
    "LevelPriorityList",
];
/// PROJWBS: 26 columns, in the order of `xernative_sample.xer`.
const PROJWBS_COLS: [&str; 26] = [
    "wbs_id",
    "proj_id",
    "obs_id",
    "seq_num",
    "est_wt",
    "proj_node_flag",
    "sum_data_flag",
    "status_code",
    "wbs_short_name",
    "wbs_name",
    "phase_id",
    "parent_wbs_id",
    "ev_user_pct",
    "ev_etc_user_value",
    "orig_cost",
    "indep_remain_total_cost",
    "ann_dscnt_rate_pct",
    "dscnt_period_type",
    "indep_remain_work_qty",
    "anticip_start_date",
    "anticip_end_date",
    "ev_compute_type",
    "ev_etc_compute_type",
    "guid",
    "tmpl_guid",
    "plan_open_state",
];
/// RSRC: 31 columns, in the order of `xernative_sample.xer`.
const RSRC_COLS: [&str; 31] = [
    "rsrc_id",
    "parent_rsrc_id",
    "clndr_id",
    "role_id",
    "shift_id",
    "user_id",
    "pobs_id",
    "guid",
    "rsrc_seq_num",
    "email_addr",
    "employee_code",
    "office_phone",
    "other_phone",
    "rsrc_name",
    "rsrc_short_name",
    "rsrc_title_name",
    "def_qty_per_hr",
    "cost_qty_type",
    "ot_factor",
    "active_flag",
    "auto_compute_act_flag",
    "def_cost_qty_link_flag",
    "ot_flag",
    "curr_id",
    "unit_id",
    "rsrc_type",
    "location_id",
    "rsrc_notes",
    "load_tasks_flag",
    "level_flag",
    "last_checksum",
];
/// TASK: 60 columns, in the order of `xernative_sample.xer` (P6 20.12 exports the same list).
const TASK_COLS: [&str; 60] = [
    "task_id",
    "proj_id",
    "wbs_id",
    "clndr_id",
    "phys_complete_pct",
    "rev_fdbk_flag",
    "est_wt",
    "lock_plan_flag",
    "auto_compute_act_flag",
    "complete_pct_type",
    "task_type",
    "duration_type",
    "status_code",
    "task_code",
    "task_name",
    "rsrc_id",
    "total_float_hr_cnt",
    "free_float_hr_cnt",
    "remain_drtn_hr_cnt",
    "act_work_qty",
    "remain_work_qty",
    "target_work_qty",
    "target_drtn_hr_cnt",
    "target_equip_qty",
    "act_equip_qty",
    "remain_equip_qty",
    "cstr_date",
    "act_start_date",
    "act_end_date",
    "late_start_date",
    "late_end_date",
    "expect_end_date",
    "early_start_date",
    "early_end_date",
    "restart_date",
    "reend_date",
    "target_start_date",
    "target_end_date",
    "rem_late_start_date",
    "rem_late_end_date",
    "cstr_type",
    "priority_type",
    "suspend_date",
    "resume_date",
    "float_path",
    "float_path_order",
    "guid",
    "tmpl_guid",
    "cstr_date2",
    "cstr_type2",
    "driving_path_flag",
    "act_this_per_work_qty",
    "act_this_per_equip_qty",
    "external_early_start_date",
    "external_late_end_date",
    "create_date",
    "update_date",
    "create_user",
    "update_user",
    "location_id",
];
/// TASKMEMO: 5 columns, in the order of `nmoghimi_BL-54069-B2-20250902.xer` (P6 23.12).
const TASKMEMO_COLS: [&str; 5] = ["memo_id", "task_id", "memo_type_id", "proj_id", "task_memo"];
/// TASKPRED: 10 columns, in the order of `xernative_sample.xer`.
const TASKPRED_COLS: [&str; 10] = [
    "task_pred_id",
    "task_id",
    "pred_task_id",
    "proj_id",
    "pred_proj_id",
    "pred_type",
    "lag_hr_cnt",
    "float_path",
    "aref",
    "arls",
];
/// TASKRSRC: 47 columns, in the order of `xernative_sample.xer`.
const TASKRSRC_COLS: [&str; 47] = [
    "taskrsrc_id",
    "task_id",
    "proj_id",
    "cost_qty_link_flag",
    "role_id",
    "acct_id",
    "rsrc_id",
    "pobs_id",
    "skill_level",
    "remain_qty",
    "target_qty",
    "remain_qty_per_hr",
    "target_lag_drtn_hr_cnt",
    "target_qty_per_hr",
    "act_ot_qty",
    "act_reg_qty",
    "relag_drtn_hr_cnt",
    "ot_factor",
    "cost_per_qty",
    "target_cost",
    "act_reg_cost",
    "act_ot_cost",
    "remain_cost",
    "act_start_date",
    "act_end_date",
    "restart_date",
    "reend_date",
    "target_start_date",
    "target_end_date",
    "rem_late_start_date",
    "rem_late_end_date",
    "rollup_dates_flag",
    "target_crv",
    "remain_crv",
    "actual_crv",
    "ts_pend_act_end_flag",
    "guid",
    "rate_type",
    "act_this_per_cost",
    "act_this_per_qty",
    "curv_id",
    "rsrc_type",
    "cost_per_qty_source_type",
    "create_user",
    "create_date",
    "has_rsrchours",
    "taskrsrc_sum_id",
];

/// Column lists by table name (used by tests and by callers that lint XER files).
pub fn table_columns(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "CURRTYPE" => &CURRTYPE_COLS,
        "MEMOTYPE" => &MEMOTYPE_COLS,
        "OBS" => &OBS_COLS,
        "UMEASURE" => &UMEASURE_COLS,
        "PROJECT" => &PROJECT_COLS,
        "CALENDAR" => &CALENDAR_COLS,
        "SCHEDOPTIONS" => &SCHEDOPTIONS_COLS,
        "PROJWBS" => &PROJWBS_COLS,
        "RSRC" => &RSRC_COLS,
        "TASK" => &TASK_COLS,
        "TASKMEMO" => &TASKMEMO_COLS,
        "TASKPRED" => &TASKPRED_COLS,
        "TASKRSRC" => &TASKRSRC_COLS,
        _ => return None,
    })
}

// P6 field lengths (P6 data dictionary; enforced so an import never truncates or fails).
const MAX_PROJ_SHORT_NAME: usize = 40;
const MAX_TASK_CODE: usize = 40;
const MAX_TASK_NAME: usize = 120;
const MAX_WBS_CODE: usize = 40;
const MAX_WBS_NAME: usize = 100;

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/// Writes `s` as XER bytes (Windows-1252, CRLF). Fails, writing nothing, when the
/// schedule breaks a rule P6 enforces on import.
pub fn write_xer(s: &Schedule, opts: &XerOptions) -> Result<Vec<u8>, XerWriteError> {
    check_options(opts)?;
    let plan = Plan::build(s, opts)?;
    let text = render(opts, &plan)?;
    Ok(encode_cp1252(&text))
}

fn check_options(opts: &XerOptions) -> R<()> {
    let v = &opts.version;
    let parts: Vec<&str> = v.split('.').collect();
    let ok = !v.is_empty()
        && parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(XerWriteError::BadOption {
            field: "version",
            value: v.clone(),
            fix: "use a P6 version number such as \"8.2\" or \"20.12\"",
        });
    }
    if clean_text(&opts.user).trim().is_empty() {
        return Err(XerWriteError::BadOption {
            field: "user",
            value: opts.user.clone(),
            fix: "give the P6 login to write in the header",
        });
    }
    let c = &opts.currency;
    if c.is_empty() || c.len() > 20 || !c.chars().all(|ch| ch.is_ascii_graphic()) {
        return Err(XerWriteError::BadOption {
            field: "currency",
            value: c.clone(),
            fix: "use a currency short name such as \"USD\" (ASCII, no spaces, at most 20 characters)",
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Plan: every id assigned and every reference resolved before rendering
// ---------------------------------------------------------------------------------------

struct CalPlan<'a> {
    cal: &'a Calendar,
    id: u32,
    proj_id: Option<u32>,
    base_id: Option<u32>,
}

struct RsrcPlan<'a> {
    res: &'a Resource,
    id: u32,
    clndr_id: u32,
    unit_id: Option<u32>,
}

struct WbsPlan<'a> {
    id: u32,
    parent_id: Option<u32>,
    code: &'a str,
    name: &'a str,
    seq: i64,
    root: bool,
    key: &'a str,
}

#[derive(Clone, Copy)]
struct TaskDates {
    target: (PrimitiveDateTime, PrimitiveDateTime),
    early: (PrimitiveDateTime, PrimitiveDateTime),
    late: (PrimitiveDateTime, PrimitiveDateTime),
    act_start: Option<PrimitiveDateTime>,
    act_end: Option<PrimitiveDateTime>,
    remaining: Option<(PrimitiveDateTime, PrimitiveDateTime)>,
}

struct TaskPlan<'a> {
    act: &'a Activity,
    id: u32,
    wbs_id: u32,
    clndr_id: u32,
    dates: TaskDates,
}

struct ProjPlan<'a> {
    p: &'a Project,
    id: u32,
    clndr_id: u32,
    plan_start: PrimitiveDateTime,
    data_date: PrimitiveDateTime,
    scd_end: PrimitiveDateTime,
    wbs: Vec<WbsPlan<'a>>,
    tasks: Vec<TaskPlan<'a>>,
    task_by_key: BTreeMap<&'a str, usize>,
}

struct PredPlan {
    id: u32,
    succ: (usize, usize),
    pred: (usize, usize),
    kind: LinkKind,
    lag: Decimal,
}

struct AsgPlan<'a> {
    a: &'a Assignment,
    id: u32,
    proj: usize,
    task: usize,
    rsrc: usize,
}

struct Plan<'a> {
    currency: Currency,
    cals: Vec<CalPlan<'a>>,
    rsrcs: Vec<RsrcPlan<'a>>,
    units: Vec<&'a str>,
    projects: Vec<ProjPlan<'a>>,
    preds: Vec<PredPlan>,
    asgs: Vec<AsgPlan<'a>>,
}

struct Currency {
    code: String,
    symbol: &'static str,
    name: String,
    digits: u8,
}

fn currency_info(code: &str) -> Currency {
    let (symbol, name, digits) = match code {
        "USD" => ("$", "US Dollar", 2),
        "CAD" => ("$", "Canadian Dollar", 2),
        "AUD" => ("A$", "Australian Dollar", 2),
        "NZD" => ("NZ$", "New Zealand Dollar", 2),
        "MXN" => ("$", "Mexican Peso", 2),
        "EUR" => ("€", "Euro", 2),
        "GBP" => ("£", "British Pound", 2),
        "CHF" => ("CHF", "Swiss Franc", 2),
        "JPY" => ("¥", "Japanese Yen", 0),
        "INR" => ("Rs", "Indian Rupee", 2),
        _ => ("", "", 2),
    };
    Currency {
        code: code.to_string(),
        symbol,
        name: if name.is_empty() {
            code.to_string()
        } else {
            name.to_string()
        },
        digits,
    }
}

impl<'a> Plan<'a> {
    fn build(s: &'a Schedule, opts: &XerOptions) -> R<Plan<'a>> {
        if s.projects.is_empty() {
            return Err(XerWriteError::from(ScheduleProblem::NoProjects));
        }
        // Projects: ids, uniqueness, P6 naming rules.
        let mut seen_ids = BTreeSet::new();
        for p in &s.projects {
            check_project_names(p)?;
            if !seen_ids.insert(p.id.as_str()) {
                return Err(XerWriteError::DuplicateProjectId(p.id.clone()));
            }
        }
        // Calendars: global first, then each project's, ids in that order.
        let mut cals: Vec<CalPlan<'a>> = Vec::new();
        let mut global: BTreeMap<&'a str, u32> = BTreeMap::new();
        let mut next_cal = 1u32;
        for c in &s.calendars {
            if global.insert(c.key.as_str(), next_cal).is_some() {
                return Err(dup("CALENDAR", "the schedule's calendars", &c.key));
            }
            cals.push(CalPlan {
                cal: c,
                id: next_cal,
                proj_id: None,
                base_id: None,
            });
            next_cal += 1;
        }
        let mut proj_cals: Vec<BTreeMap<&'a str, u32>> = Vec::new();
        for (pi, p) in s.projects.iter().enumerate() {
            let mut m = BTreeMap::new();
            for c in &p.calendars {
                if m.insert(c.key.as_str(), next_cal).is_some() {
                    return Err(dup(
                        "CALENDAR",
                        &format!("project {:?}'s calendars", p.id),
                        &c.key,
                    ));
                }
                cals.push(CalPlan {
                    cal: c,
                    id: next_cal,
                    proj_id: Some(pi as u32 + 1),
                    base_id: None,
                });
                next_cal += 1;
            }
            proj_cals.push(m);
        }
        // Base calendars: a global calendar may derive only from a global one; a project
        // calendar from its own project's or a global one.
        for cp in cals.iter_mut() {
            check_calendar(cp.cal)?;
            if let Some(b) = &cp.cal.base {
                let found = match cp.proj_id {
                    None => global.get(b.as_str()).copied(),
                    Some(pid) => proj_cals[pid as usize - 1]
                        .get(b.as_str())
                        .or_else(|| global.get(b.as_str()))
                        .copied(),
                };
                match found {
                    Some(id) if id != cp.id => cp.base_id = Some(id),
                    Some(_) => {
                        return Err(XerWriteError::from(ScheduleProblem::BadCalendar {
                            calendar: cp.cal.key.clone(),
                            problem: "names itself as its base calendar; clear Calendar.base"
                                .into(),
                        }))
                    }
                    None => {
                        return Err(XerWriteError::from(ScheduleProblem::UnknownCalendar {
                            owner: format!("calendar {:?} (base calendar)", cp.cal.key),
                            calendar: b.clone(),
                        }))
                    }
                }
            }
        }
        check_base_loops(&cals)?;

        // Resources (global in P6): unique key and code, a global calendar, unit of measure.
        let mut rsrcs = Vec::new();
        let mut rsrc_by_key: BTreeMap<&'a str, usize> = BTreeMap::new();
        let mut codes = BTreeSet::new();
        let mut units: Vec<&'a str> = Vec::new();
        let first_global = s.calendars.first().map(|c| c.key.as_str());
        for (i, r) in s.resources.iter().enumerate() {
            if rsrc_by_key.insert(r.key.as_str(), i).is_some() {
                return Err(dup("RSRC", "the schedule's resources", &r.key));
            }
            let code = clean_text(&r.code);
            if code.trim().is_empty() {
                return Err(XerWriteError::from(ScheduleProblem::BadResource {
                    resource: r.key.clone(),
                    problem: "has an empty code; P6 needs a Resource ID (rsrc_short_name)".into(),
                }));
            }
            if !codes.insert(code.clone()) {
                return Err(XerWriteError::from(ScheduleProblem::BadResource {
                    resource: r.key.clone(),
                    problem: format!(
                        "code {:?} is used by another resource; P6 needs unique Resource IDs",
                        r.code
                    ),
                }));
            }
            let cal_key = r.calendar.as_deref().or(first_global);
            let clndr_id = match cal_key {
                Some(k) => match global.get(k) {
                    Some(id) => *id,
                    None => {
                        return Err(XerWriteError::from(ScheduleProblem::UnknownCalendar {
                            owner: format!(
                                "resource {:?} (resources may only use schedule-wide calendars)",
                                r.key
                            ),
                            calendar: k.to_string(),
                        }))
                    }
                },
                None => {
                    return Err(XerWriteError::from(ScheduleProblem::BadResource {
                        resource: r.key.clone(),
                        problem: "has no calendar and the schedule has no schedule-wide calendar; add one to Schedule.calendars".into(),
                    }))
                }
            };
            let unit_id = match (&r.kind, &r.unit) {
                (ResourceKind::Material, Some(u)) if !u.trim().is_empty() => {
                    let pos = match units.iter().position(|x| *x == u.as_str()) {
                        Some(p) => p,
                        None => {
                            units.push(u.as_str());
                            units.len() - 1
                        }
                    };
                    Some(pos as u32 + 1)
                }
                _ => None,
            };
            rsrcs.push(RsrcPlan {
                res: r,
                id: i as u32 + 1,
                clndr_id,
                unit_id,
            });
        }

        // Projects: WBS, activities, dates.
        let mut projects = Vec::new();
        let mut next_wbs = 1u32;
        let mut next_task = 1u32;
        for (pi, p) in s.projects.iter().enumerate() {
            let lookup_cal = |k: &str| -> Option<u32> {
                proj_cals[pi].get(k).or_else(|| global.get(k)).copied()
            };
            let proj_cal = match &p.calendar {
                Some(k) => lookup_cal(k).ok_or_else(|| {
                    XerWriteError::from(ScheduleProblem::UnknownCalendar {
                        owner: format!("project {:?} (default calendar)", p.id),
                        calendar: k.clone(),
                    })
                })?,
                None => match p.calendars.first().or(s.calendars.first()) {
                    Some(c) => lookup_cal(&c.key).unwrap_or(0),
                    None => {
                        return Err(XerWriteError::from(ScheduleProblem::NoCalendar {
                            project: p.id.clone(),
                        }))
                    }
                },
            };
            let wbs = plan_wbs(p, &mut next_wbs)?;
            let wbs_id: BTreeMap<&str, u32> = wbs.iter().map(|w| (w.key, w.id)).collect();
            let root_id = wbs.first().map(|w| w.id).unwrap_or(0);

            let plan_start = project_start(p)?;
            let data_date = p.data_date.unwrap_or(plan_start);
            let mut tasks = Vec::new();
            let mut task_by_key = BTreeMap::new();
            let mut by_code: BTreeMap<String, &str> = BTreeMap::new();
            for (ai, a) in p.activities.iter().enumerate() {
                if task_by_key.insert(a.key.as_str(), ai).is_some() {
                    return Err(dup("TASK", &format!("project {:?}", p.id), &a.key));
                }
                check_activity_text(p, a)?;
                let code = clean_text(&a.code);
                if let Some(first) = by_code.insert(code, a.key.as_str()) {
                    return Err(XerWriteError::DuplicateActivityCode {
                        project: p.id.clone(),
                        code: a.code.clone(),
                        first: first.to_string(),
                        second: a.key.clone(),
                    });
                }
                let w = match &a.wbs {
                    None => root_id,
                    Some(k) => match wbs_id.get(k.as_str()) {
                        Some(id) => *id,
                        None => {
                            return Err(XerWriteError::from(ScheduleProblem::UnknownWbs {
                                project: p.id.clone(),
                                activity: a.key.clone(),
                                wbs: k.clone(),
                            }))
                        }
                    },
                };
                let c = match &a.calendar {
                    None => proj_cal,
                    Some(k) => lookup_cal(k).ok_or_else(|| {
                        XerWriteError::from(ScheduleProblem::UnknownCalendar {
                            owner: format!("project {:?}, activity {:?}", p.id, a.key),
                            calendar: k.clone(),
                        })
                    })?,
                };
                let dates = task_dates(p, a, plan_start, data_date)?;
                tasks.push(TaskPlan {
                    act: a,
                    id: next_task,
                    wbs_id: w,
                    clndr_id: c,
                    dates,
                });
                next_task += 1;
            }
            let scd_end = tasks
                .iter()
                .map(|t| t.dates.act_end.unwrap_or(t.dates.early.1))
                .max()
                .unwrap_or(plan_start)
                .max(plan_start);
            projects.push(ProjPlan {
                p,
                id: pi as u32 + 1,
                clndr_id: proj_cal,
                plan_start,
                data_date,
                scd_end,
                wbs,
                tasks,
                task_by_key,
            });
        }

        // Relationships: both ends resolved (own project first, then a unique match in
        // another project), no self links, no duplicate pairs, no loops.
        let mut preds = Vec::new();
        let mut pairs = BTreeSet::new();
        for (pi, pp) in projects.iter().enumerate() {
            for r in &pp.p.relationships {
                let bad = |problem: String| {
                    XerWriteError::from(ScheduleProblem::BadRelationship {
                        project: pp.p.id.clone(),
                        predecessor: r.predecessor.clone(),
                        successor: r.successor.clone(),
                        problem,
                    })
                };
                let succ = resolve_activity(&projects, pi, &r.successor).map_err(&bad)?;
                let pred = resolve_activity(&projects, pi, &r.predecessor).map_err(&bad)?;
                if succ == pred {
                    return Err(bad("links an activity to itself; remove it".into()));
                }
                // P6 exports two links between the same pair when their types differ
                // (the corpus has such files); the same pair and type twice is refused.
                if !pairs.insert((pred, succ, r.kind)) {
                    return Err(bad(
                        "the same two activities are already linked with this type; remove the duplicate".into(),
                    ));
                }
                preds.push(PredPlan {
                    id: preds.len() as u32 + 1,
                    succ,
                    pred,
                    kind: r.kind,
                    lag: r.lag_hours,
                });
            }
        }
        check_loops(&projects, &preds)?;

        // Assignments.
        let mut asgs = Vec::new();
        for (pi, pp) in projects.iter().enumerate() {
            let mut keys = BTreeSet::new();
            for a in &pp.p.assignments {
                let bad = |problem: String| {
                    XerWriteError::from(ScheduleProblem::BadAssignment {
                        project: pp.p.id.clone(),
                        assignment: a.key.clone(),
                        problem,
                    })
                };
                if !keys.insert(a.key.as_str()) {
                    return Err(dup("TASKRSRC", &format!("project {:?}", pp.p.id), &a.key));
                }
                let task = *pp.task_by_key.get(a.activity.as_str()).ok_or_else(|| {
                    bad(format!(
                        "activity {:?} is not an activity of this project; fix Assignment.activity",
                        a.activity
                    ))
                })?;
                let rsrc = *rsrc_by_key.get(a.resource.as_str()).ok_or_else(|| {
                    bad(format!(
                        "resource {:?} is not in Schedule.resources; add it or fix Assignment.resource",
                        a.resource
                    ))
                })?;
                for (name, v) in [
                    ("planned_units", a.planned_units),
                    ("actual_units", a.actual_units),
                    ("remaining_units", a.remaining_units),
                ] {
                    if v.is_sign_negative() && !v.is_zero() {
                        return Err(bad(format!("{name} is negative ({v}); use 0 or more")));
                    }
                }
                asgs.push(AsgPlan {
                    a,
                    id: asgs.len() as u32 + 1,
                    proj: pi,
                    task,
                    rsrc,
                });
            }
        }

        Ok(Plan {
            currency: currency_info(&opts.currency),
            cals,
            rsrcs,
            units,
            projects,
            preds,
            asgs,
        })
    }
}

fn dup(table: &'static str, scope: &str, key: &str) -> XerWriteError {
    XerWriteError::from(ScheduleProblem::DuplicateKey {
        table,
        scope: scope.to_string(),
        key: key.to_string(),
    })
}

fn check_project_names(p: &Project) -> R<()> {
    let bad = |field, value: &str, fix| XerWriteError::BadProject {
        project: p.id.clone(),
        field,
        value: value.to_string(),
        fix,
    };
    let id = clean_text(&p.id);
    if id.trim().is_empty() {
        return Err(bad(
            "id",
            &p.id,
            "set Project.id (P6 proj_short_name, also the root WBS code)",
        ));
    }
    if id.chars().count() > MAX_PROJ_SHORT_NAME {
        return Err(bad(
            "id",
            &p.id,
            "P6 project ids are at most 40 characters; shorten it",
        ));
    }
    for (field, v) in [("id", &p.id), ("name", &p.name)] {
        if v.contains(['|', '<', '>']) {
            return Err(bad(
                field,
                v,
                "P6 does not accept '|', '<' or '>' in project ids and names; remove them",
            ));
        }
    }
    if clean_text(&p.name).chars().count() > MAX_WBS_NAME {
        return Err(bad(
            "name",
            &p.name,
            "the project name becomes the root WBS name, at most 100 characters in P6; shorten it",
        ));
    }
    Ok(())
}

fn check_activity_text(p: &Project, a: &Activity) -> R<()> {
    let bad = |problem: String| {
        XerWriteError::from(ScheduleProblem::BadActivity {
            project: p.id.clone(),
            activity: a.key.clone(),
            problem,
        })
    };
    let code = clean_text(&a.code);
    if code.trim().is_empty() {
        return Err(bad(
            "has an empty code; P6 needs an Activity ID (task_code)".into(),
        ));
    }
    if code.chars().count() > MAX_TASK_CODE {
        return Err(bad(format!(
            "code {:?} is longer than P6's 40-character Activity ID; shorten it",
            a.code
        )));
    }
    if clean_text(&a.name).chars().count() > MAX_TASK_NAME {
        return Err(bad(format!(
            "name is longer than P6's 120-character Activity Name ({} characters); shorten it",
            a.name.chars().count()
        )));
    }
    for (field, v) in [
        ("duration_hours", a.duration_hours),
        ("remaining_hours", a.remaining_hours),
    ] {
        if v.is_sign_negative() && !v.is_zero() {
            return Err(bad(format!("has negative {field} ({v}); use 0 or more")));
        }
    }
    if a.percent_complete < Decimal::ZERO || a.percent_complete > Decimal::ONE_HUNDRED {
        return Err(bad(format!(
            "has percent_complete {} outside 0-100",
            a.percent_complete
        )));
    }
    if a.status == Status::NotStarted {
        if a.percent_complete > Decimal::ZERO {
            return Err(bad(format!(
                "is NotStarted but {}% complete; set the status to InProgress or the percent to 0",
                a.percent_complete
            )));
        }
        if a.actual_start.is_some() || a.actual_finish.is_some() {
            return Err(bad(
                "is NotStarted but has actual dates; set the status or clear the actual dates"
                    .into(),
            ));
        }
    }
    if a.status == Status::InProgress && a.actual_finish.is_some() {
        return Err(bad("is InProgress but has an actual finish; set the status to Complete or clear actual_finish".into()));
    }
    if let Some(c) = &a.constraint {
        if c.kind != ConstraintKind::AsLateAsPossible && c.date.is_none() {
            return Err(bad(format!(
                "has a {:?} constraint without a date; set Constraint.date",
                c.kind
            )));
        }
    }
    Ok(())
}

/// WBS rows of one project in parent-first (depth-first) order, the generated root first.
fn plan_wbs<'a>(p: &'a Project, next: &mut u32) -> R<Vec<WbsPlan<'a>>> {
    let mut by_key: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, w) in p.wbs.iter().enumerate() {
        if by_key.insert(w.key.as_str(), i).is_some() {
            return Err(dup("PROJWBS", &format!("project {:?}", p.id), &w.key));
        }
        let code = clean_text(&w.code);
        if code.trim().is_empty() {
            return Err(XerWriteError::BadProject {
                project: p.id.clone(),
                field: "wbs code",
                value: w.key.clone(),
                fix: "every WBS node needs a code (wbs_short_name); set Wbs.code",
            });
        }
        if code.chars().count() > MAX_WBS_CODE || clean_text(&w.name).chars().count() > MAX_WBS_NAME
        {
            return Err(XerWriteError::BadProject {
                project: p.id.clone(),
                field: "wbs",
                value: w.key.clone(),
                fix: "P6 WBS codes are at most 40 and names at most 100 characters; shorten them",
            });
        }
    }
    // Children lists; None = under the generated root.
    let mut children: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (i, w) in p.wbs.iter().enumerate() {
        let parent = match &w.parent {
            None => None,
            Some(k) => match by_key.get(k.as_str()) {
                Some(pi) => Some(*pi),
                None => {
                    return Err(XerWriteError::from(ScheduleProblem::UnknownWbsParent {
                        project: p.id.clone(),
                        wbs: w.key.clone(),
                        parent: k.clone(),
                    }))
                }
            },
        };
        children.entry(parent).or_default().push(i);
    }
    for list in children.values_mut() {
        list.sort_by_key(|i| (p.wbs[*i].seq, *i));
    }
    // Sibling codes unique.
    for (parent, list) in &children {
        let mut seen = BTreeSet::new();
        for i in list {
            if !seen.insert(clean_text(&p.wbs[*i].code)) {
                return Err(XerWriteError::DuplicateWbsCode {
                    project: p.id.clone(),
                    parent: match parent {
                        None => format!("the project root {:?}", p.id),
                        Some(pi) => format!("WBS {:?}", p.wbs[*pi].key),
                    },
                    code: p.wbs[*i].code.clone(),
                });
            }
        }
    }
    let root_id = *next;
    *next += 1;
    let mut out = vec![WbsPlan {
        id: root_id,
        parent_id: None,
        code: p.id.as_str(),
        name: if p.name.trim().is_empty() {
            p.id.as_str()
        } else {
            p.name.as_str()
        },
        seq: 0,
        root: true,
        key: "",
    }];
    // Iterative depth-first walk.
    let mut stack: Vec<(usize, u32)> = Vec::new();
    if let Some(list) = children.get(&None) {
        for i in list.iter().rev() {
            stack.push((*i, root_id));
        }
    }
    let mut visited = vec![false; p.wbs.len()];
    while let Some((i, parent_id)) = stack.pop() {
        visited[i] = true;
        let id = *next;
        *next += 1;
        let w = &p.wbs[i];
        out.push(WbsPlan {
            id,
            parent_id: Some(parent_id),
            code: w.code.as_str(),
            name: w.name.as_str(),
            seq: w.seq,
            root: false,
            key: w.key.as_str(),
        });
        if let Some(list) = children.get(&Some(i)) {
            for c in list.iter().rev() {
                stack.push((*c, id));
            }
        }
    }
    // Anything not reached hangs off a cycle.
    if let Some(i) = visited.iter().position(|v| !v) {
        return Err(XerWriteError::from(ScheduleProblem::WbsCycle {
            project: p.id.clone(),
            wbs: p.wbs[i].key.clone(),
        }));
    }
    Ok(out)
}

fn project_start(p: &Project) -> R<PrimitiveDateTime> {
    if let Some(d) = p.planned_start {
        return Ok(d);
    }
    let earliest = p
        .activities
        .iter()
        .filter_map(|a| a.actual_start.or(a.start).or(a.baseline_start))
        .min();
    earliest
        .or(p.data_date)
        .ok_or_else(|| XerWriteError::BadProject {
            project: p.id.clone(),
            field: "planned_start",
            value: String::new(),
            fix: "P6 needs a project planned start; set Project.planned_start or activity dates",
        })
}

/// Dates of one TASK row, consistent with its status the way P6 writes them:
/// not started = early/remaining dates, no actuals; in progress = actual start, remaining
/// dates from the data date; complete = actual start and finish, early dates at the data
/// date, no remaining dates.
fn task_dates(
    p: &Project,
    a: &Activity,
    plan_start: PrimitiveDateTime,
    data_date: PrimitiveDateTime,
) -> R<TaskDates> {
    let bad = |problem: String| {
        XerWriteError::from(ScheduleProblem::BadActivity {
            project: p.id.clone(),
            activity: a.key.clone(),
            problem,
        })
    };
    let order = |s: PrimitiveDateTime, f: PrimitiveDateTime, what: &str| -> R<()> {
        if f < s {
            Err(bad(format!(
                "{what} finish {} is before its start {}; fix the dates",
                fmt_dt(f),
                fmt_dt(s)
            )))
        } else {
            Ok(())
        }
    };
    let milestone = matches!(
        a.kind,
        ActivityKind::StartMilestone | ActivityKind::FinishMilestone
    );
    let pair = |s: Option<PrimitiveDateTime>, f: Option<PrimitiveDateTime>| {
        if milestone {
            // One instant: a start milestone keeps its start, a finish milestone its finish.
            let t = if a.kind == ActivityKind::FinishMilestone {
                f.or(s)
            } else {
                s.or(f)
            };
            (t, t)
        } else {
            (s, f)
        }
    };
    match a.status {
        Status::NotStarted => {
            let (s, f) = pair(a.start.or(a.baseline_start), a.finish.or(a.baseline_finish));
            let s = s.unwrap_or(plan_start);
            let f = f.unwrap_or(s);
            order(s, f, "early")?;
            let (bs, bf) = pair(a.baseline_start, a.baseline_finish);
            let target = (bs.unwrap_or(s), bf.unwrap_or(f));
            order(target.0, target.1, "baseline")?;
            Ok(TaskDates {
                target,
                early: (s, f),
                late: (s, f),
                act_start: None,
                act_end: None,
                remaining: Some((s, f)),
            })
        }
        Status::InProgress => {
            let s = a.actual_start.or(a.start).ok_or_else(|| {
                bad("is InProgress but has no actual start; set Activity.actual_start".into())
            })?;
            let f = if milestone {
                s
            } else {
                a.finish.unwrap_or(s).max(s)
            };
            order(s, a.finish.unwrap_or(f), "current")?;
            let rs = data_date.max(s).min(f);
            let (bs, bf) = pair(a.baseline_start, a.baseline_finish);
            let target = (bs.unwrap_or(s), bf.unwrap_or(f));
            order(target.0, target.1, "baseline")?;
            Ok(TaskDates {
                target,
                early: (rs, f),
                late: (rs, f),
                act_start: Some(s),
                act_end: None,
                remaining: Some((rs, f)),
            })
        }
        Status::Complete => {
            let s = a.actual_start.or(a.start).ok_or_else(|| {
                bad("is Complete but has no actual start; set Activity.actual_start".into())
            })?;
            let f = a.actual_finish.or(a.finish).ok_or_else(|| {
                bad("is Complete but has no actual finish; set Activity.actual_finish".into())
            })?;
            let (s, f) = if milestone {
                let t = if a.kind == ActivityKind::FinishMilestone {
                    f
                } else {
                    s
                };
                (t, t)
            } else {
                (s, f)
            };
            order(s, f, "actual")?;
            let (bs, bf) = pair(a.baseline_start, a.baseline_finish);
            let target = (bs.unwrap_or(s), bf.unwrap_or(f));
            order(target.0, target.1, "baseline")?;
            Ok(TaskDates {
                target,
                early: (data_date, data_date),
                late: (data_date, data_date),
                act_start: Some(s),
                act_end: Some(f),
                remaining: None,
            })
        }
    }
}

fn resolve_activity(
    projects: &[ProjPlan],
    own: usize,
    key: &str,
) -> Result<(usize, usize), String> {
    if let Some(i) = projects[own].task_by_key.get(key) {
        return Ok((own, *i));
    }
    let hits: Vec<(usize, usize)> = projects
        .iter()
        .enumerate()
        .filter_map(|(pi, pp)| pp.task_by_key.get(key).map(|i| (pi, *i)))
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "activity {key:?} is not in any project; fix the relationship or add the activity"
        )),
        _ => Err(format!(
            "activity {key:?} is not in this project and exists in several others; make the key unique"
        )),
    }
}

/// Kahn's algorithm over all relationships of the file.
fn check_loops(projects: &[ProjPlan], preds: &[PredPlan]) -> R<()> {
    let mut indeg: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut out: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
    for p in preds {
        *indeg.entry(p.succ).or_default() += 1;
        indeg.entry(p.pred).or_default();
        out.entry(p.pred).or_default().push(p.succ);
    }
    let mut ready: Vec<(usize, usize)> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(n) = ready.pop() {
        if let Some(list) = out.get(&n) {
            for m in list {
                if let Some(d) = indeg.get_mut(m) {
                    *d -= 1;
                    if *d == 0 {
                        ready.push(*m);
                    }
                }
            }
        }
        indeg.remove(&n);
    }
    if indeg.is_empty() {
        return Ok(());
    }
    let activities = indeg
        .keys()
        .map(|(pi, ai)| {
            let pp = &projects[*pi];
            format!("{}:{}", pp.p.id, pp.p.activities[*ai].code)
        })
        .collect();
    Err(XerWriteError::from(ScheduleProblem::RelationshipLoop {
        activities,
    }))
}

fn check_calendar(c: &Calendar) -> R<()> {
    let bad = |problem: String| {
        XerWriteError::from(ScheduleProblem::BadCalendar {
            calendar: c.key.clone(),
            problem,
        })
    };
    if clean_text(&c.name).trim().is_empty() {
        return Err(bad("has an empty name; P6 needs clndr_name".into()));
    }
    for (i, day) in c.week.iter().enumerate() {
        check_shifts(day).map_err(|e| bad(format!("{}: {e}", WEEKDAY_NAMES[i])))?;
    }
    let mut seen: BTreeMap<Date, &Shifts> = BTreeMap::new();
    for (d, sh) in &c.exceptions {
        check_shifts(sh).map_err(|e| bad(format!("exception {d}: {e}")))?;
        if let Some(prev) = seen.insert(*d, sh) {
            if prev != sh {
                return Err(bad(format!(
                    "has two different exceptions on {d}; keep one"
                )));
            }
        }
        if excel_serial(*d) < 1 {
            return Err(bad(format!(
                "exception {d} is before 1899-12-31; P6 cannot store it"
            )));
        }
    }
    if c.hours_per_day.is_sign_negative() && !c.hours_per_day.is_zero() {
        return Err(bad("has negative hours_per_day".into()));
    }
    Ok(())
}

const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn check_base_loops(cals: &[CalPlan]) -> R<()> {
    let by_id: BTreeMap<u32, Option<u32>> = cals.iter().map(|c| (c.id, c.base_id)).collect();
    for c in cals {
        let mut cur = c.base_id;
        let mut steps = 0;
        while let Some(b) = cur {
            steps += 1;
            if b == c.id || steps > cals.len() {
                return Err(XerWriteError::from(ScheduleProblem::BadCalendar {
                    calendar: c.cal.key.clone(),
                    problem: "its base calendars lead back to itself; fix Calendar.base".into(),
                }));
            }
            cur = by_id.get(&b).copied().flatten();
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

struct Table {
    name: &'static str,
    cols: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

struct Row {
    table: &'static str,
    cols: &'static [&'static str],
    vals: Vec<String>,
    bad: Option<&'static str>,
    /// Where the last column was found: fields are mostly set in column order.
    cursor: usize,
}

impl Row {
    fn new(t: &Table) -> Row {
        Row {
            table: t.name,
            cols: t.cols,
            vals: vec![String::new(); t.cols.len()],
            bad: None,
            cursor: 0,
        }
    }
    /// Sets a plain value (TAB/CR/LF become spaces, quotes are doubled).
    fn set(&mut self, col: &'static str, v: impl AsRef<str>) -> &mut Row {
        let v = clean_text(v.as_ref());
        self.put(col, v)
    }
    /// Sets a memo value (line breaks become P6's 0x7F 0x7F).
    fn memo(&mut self, col: &'static str, v: &str) -> &mut Row {
        let v = clean_memo(v);
        self.put(col, v)
    }
    fn date(&mut self, col: &'static str, d: Option<PrimitiveDateTime>) -> &mut Row {
        let v = d.map(fmt_dt).unwrap_or_default();
        self.put(col, v)
    }
    fn num(&mut self, col: &'static str, d: Decimal) -> &mut Row {
        let v = fmt_num(d);
        self.put(col, v)
    }
    fn put(&mut self, col: &'static str, v: String) -> &mut Row {
        let n = self.cols.len();
        let found = (0..n)
            .map(|k| (self.cursor + k) % n)
            .find(|i| self.cols[*i] == col);
        match found {
            Some(i) => {
                self.vals[i] = v;
                self.cursor = i + 1;
            }
            None => self.bad = Some(col),
        }
        self
    }
}

impl Table {
    fn new(name: &'static str, cols: &'static [&'static str]) -> Table {
        Table {
            name,
            cols,
            rows: Vec::new(),
        }
    }
    fn push(&mut self, r: Row) -> R<()> {
        if let Some(column) = r.bad {
            return Err(XerWriteError::Internal {
                table: r.table,
                column,
            });
        }
        self.rows.push(r.vals);
        Ok(())
    }
    fn write_to(&self, out: &mut String) {
        out.push_str("%T\t");
        out.push_str(self.name);
        out.push_str("\r\n%F");
        for c in self.cols {
            out.push('\t');
            out.push_str(c);
        }
        out.push_str("\r\n");
        for r in &self.rows {
            out.push_str("%R");
            for v in r {
                out.push('\t');
                out.push_str(v);
            }
            out.push_str("\r\n");
        }
    }
}

const OBS_ID: u32 = 1;
const CURR_ID: u32 = 1;
const MEMO_TYPE_ID: u32 = 1;

fn render(opts: &XerOptions, plan: &Plan) -> R<String> {
    let ex = opts.export_date;
    let user = opts.user.as_str();
    let mut out = String::new();
    out.push_str("ERMHDR\t");
    out.push_str(&opts.version);
    out.push('\t');
    out.push_str(&fmt_date(ex.date()));
    out.push_str("\tProject\t");
    out.push_str(&clean_text(user));
    out.push('\t');
    out.push_str(&clean_text(user));
    out.push_str("\tdbxDatabaseNoName\tProject Management\t");
    out.push_str(&clean_text(&opts.currency));
    out.push_str("\r\n");

    // CURRTYPE
    let mut t = Table::new("CURRTYPE", &CURRTYPE_COLS);
    let c = &plan.currency;
    let mut r = Row::new(&t);
    r.set("curr_id", CURR_ID.to_string())
        .set("decimal_digit_cnt", c.digits.to_string())
        .set(
            "curr_symbol",
            if c.symbol.is_empty() {
                &c.code
            } else {
                c.symbol
            },
        )
        .set("decimal_symbol", ".")
        .set("digit_group_symbol", ",")
        .set("pos_curr_fmt_type", "#1.1")
        .set("neg_curr_fmt_type", "(#1.1)")
        .set("curr_type", &c.name)
        .set("curr_short_name", &c.code)
        .set("group_digit_cnt", "3")
        .set("base_exch_rate", "1");
    t.push(r)?;
    t.write_to(&mut out);

    // MEMOTYPE (only when some activity has notes)
    let any_notes = plan
        .projects
        .iter()
        .any(|pp| pp.tasks.iter().any(|t| has_text(&t.act.notes)));
    if any_notes {
        let mut t = Table::new("MEMOTYPE", &MEMOTYPE_COLS);
        let mut r = Row::new(&t);
        r.set("memo_type_id", MEMO_TYPE_ID.to_string())
            .set("seq_num", "0")
            .set("eps_flag", "N")
            .set("proj_flag", "Y")
            .set("wbs_flag", "Y")
            .set("task_flag", "Y")
            .set("memo_type", "Notes");
        t.push(r)?;
        t.write_to(&mut out);
    }

    // OBS: one responsible-manager node every WBS row points at.
    let mut t = Table::new("OBS", &OBS_COLS);
    let mut r = Row::new(&t);
    r.set("obs_id", OBS_ID.to_string())
        .set("guid", guid(&["OBS", "Enterprise"]))
        .set("seq_num", "0")
        .set("obs_name", "Enterprise");
    t.push(r)?;
    t.write_to(&mut out);

    // UMEASURE (material units)
    if !plan.units.is_empty() {
        let mut t = Table::new("UMEASURE", &UMEASURE_COLS);
        for (i, u) in plan.units.iter().enumerate() {
            let mut r = Row::new(&t);
            r.set("unit_id", (i + 1).to_string())
                .set("seq_num", i.to_string())
                .set("unit_abbrev", u)
                .set("unit_name", u);
            t.push(r)?;
        }
        t.write_to(&mut out);
    }

    // PROJECT
    let mut t = Table::new("PROJECT", &PROJECT_COLS);
    for pp in &plan.projects {
        let mut r = Row::new(&t);
        r.set("proj_id", pp.id.to_string())
            .set("fy_start_month_num", "1")
            .set("rsrc_self_add_flag", "Y")
            .set("allow_complete_flag", "Y")
            .set("rsrc_multi_assign_flag", "Y")
            .set("checkout_flag", "N")
            .set("project_flag", "Y")
            .set("step_complete_flag", "N")
            .set("cost_qty_recalc_flag", "N")
            .set("batch_sum_flag", "Y")
            .set("name_sep_char", ".")
            .set("def_complete_pct_type", "CP_Phys")
            .set("proj_short_name", &pp.p.id)
            .set("clndr_id", pp.clndr_id.to_string())
            .set("task_code_base", "1000")
            .set("task_code_step", "10")
            .set("priority_num", "10")
            .set("wbs_max_sum_level", "0")
            .set("strgy_priority_num", "500")
            .set("critical_drtn_hr_cnt", "0")
            .set("def_cost_per_qty", money(Decimal::ZERO))
            .date("last_recalc_date", Some(pp.data_date))
            .date("plan_start_date", Some(pp.plan_start))
            .date("plan_end_date", pp.p.must_finish)
            .date("scd_end_date", Some(pp.scd_end))
            .date("add_date", Some(ex))
            .set("def_duration_type", "DT_FixedDUR2")
            .set("task_code_prefix", "A")
            .set("guid", guid(&["PROJECT", &pp.p.id]))
            .set("def_qty_type", "QT_Hour")
            .set("add_by_name", user)
            .set("def_rate_type", "COST_PER_QTY")
            .set("add_act_remain_flag", "N")
            .set("act_this_per_link_flag", "Y")
            .set("def_task_type", "TT_Task")
            .set("act_pct_link_flag", "N")
            .set("critical_path_type", "CT_TotFloat")
            .set("task_code_prefix_flag", "Y")
            .set("def_rollup_dates_flag", "Y")
            .set("use_project_baseline_flag", "Y")
            .set("rem_target_link_flag", "Y")
            .set("reset_planned_flag", "N")
            .set("allow_neg_act_flag", "N")
            .set("sum_assign_level", "SL_Taskrsrc")
            .set("loaded_scope_level", "7")
            .set("export_flag", "Y");
        t.push(r)?;
    }
    t.write_to(&mut out);

    // CALENDAR
    let mut t = Table::new("CALENDAR", &CALENDAR_COLS);
    for cp in &plan.cals {
        let c = cp.cal;
        let week_hours: Decimal = c.week.iter().map(shift_hours).sum();
        let working_days = c.week.iter().filter(|d| !d.is_empty()).count();
        let day_hours = if c.hours_per_day > Decimal::ZERO {
            c.hours_per_day
        } else if working_days > 0 {
            (week_hours / Decimal::from(working_days as u32)).round_dp(2)
        } else {
            Decimal::from(8)
        };
        let mut r = Row::new(&t);
        r.set("clndr_id", cp.id.to_string())
            .set("default_flag", "N")
            .set("clndr_name", &c.name)
            .set(
                "proj_id",
                cp.proj_id.map(|x| x.to_string()).unwrap_or_default(),
            )
            .set(
                "base_clndr_id",
                cp.base_id.map(|x| x.to_string()).unwrap_or_default(),
            )
            .date("last_chng_date", Some(ex))
            .set(
                "clndr_type",
                if cp.proj_id.is_some() {
                    "CA_Project"
                } else {
                    "CA_Base"
                },
            )
            .num("day_hr_cnt", day_hours)
            .num("week_hr_cnt", week_hours)
            // P6's own defaults for a 40-hour week are 172 h/month and 2000 h/year.
            .num(
                "month_hr_cnt",
                (week_hours * Decimal::new(43, 1)).round_dp(2),
            )
            .num("year_hr_cnt", week_hours * Decimal::from(50))
            .set("rsrc_private", "N")
            .memo("clndr_data", &clndr_data(c));
        t.push(r)?;
    }
    t.write_to(&mut out);

    // SCHEDOPTIONS: one per project (P6 exports one; xerparser requires it).
    let mut t = Table::new("SCHEDOPTIONS", &SCHEDOPTIONS_COLS);
    for pp in &plan.projects {
        let mut r = Row::new(&t);
        r.set("schedoptions_id", pp.id.to_string())
            .set("proj_id", pp.id.to_string())
            .set("sched_outer_depend_type", "SD_Both")
            .set("sched_open_critical_flag", "N")
            .set("sched_lag_early_start_flag", "Y")
            .set("sched_retained_logic", "Y")
            .set("sched_setplantoforecast", "N")
            .set("sched_float_type", "FT_FF")
            .set("sched_calendar_on_relationship_lag", "rcal_Predecessor")
            .set("sched_use_expect_end_flag", "Y")
            .set("sched_progress_override", "N")
            .set("level_float_thrs_cnt", "0")
            .set("level_outer_assign_flag", "N")
            .set("level_outer_assign_priority", "5")
            .set("level_over_alloc_pct", "25")
            .set("level_within_float_flag", "N")
            .set("level_keep_sched_date_flag", "Y")
            .set("level_all_rsrc_flag", "Y")
            .set("sched_use_project_end_date_for_float", "Y")
            .set("enable_multiple_longest_path_calc", "N")
            .set("limit_multiple_longest_path_calc", "Y")
            .set("max_multiple_longest_path", "10")
            .set("use_total_float_multiple_longest_paths", "Y")
            .memo("LevelPriorityList", "priority_type,ASC_BY_FIELD/ASC\n");
        t.push(r)?;
    }
    t.write_to(&mut out);

    // PROJWBS
    let mut t = Table::new("PROJWBS", &PROJWBS_COLS);
    for pp in &plan.projects {
        for w in &pp.wbs {
            let mut r = Row::new(&t);
            r.set("wbs_id", w.id.to_string())
                .set("proj_id", pp.id.to_string())
                .set("obs_id", OBS_ID.to_string())
                .set("seq_num", w.seq.to_string())
                .set("est_wt", "1")
                .set("proj_node_flag", if w.root { "Y" } else { "N" })
                .set("sum_data_flag", "N")
                .set("status_code", "WS_Open")
                .set("wbs_short_name", w.code)
                .set("wbs_name", w.name)
                .set(
                    "parent_wbs_id",
                    w.parent_id.map(|x| x.to_string()).unwrap_or_default(),
                )
                .set("ev_user_pct", "6")
                .set("ev_etc_user_value", "0.88")
                .set("orig_cost", money(Decimal::ZERO))
                .set("indep_remain_total_cost", money(Decimal::ZERO))
                .set("ev_compute_type", "EC_Cmp_pct")
                .set("ev_etc_compute_type", "EE_Rem_hr")
                .set(
                    "guid",
                    guid(&["PROJWBS", &pp.p.id, if w.root { "" } else { w.key }]),
                );
            t.push(r)?;
        }
    }
    t.write_to(&mut out);

    // RSRC
    if !plan.rsrcs.is_empty() {
        let mut t = Table::new("RSRC", &RSRC_COLS);
        for rp in &plan.rsrcs {
            let res = rp.res;
            let mut r = Row::new(&t);
            r.set("rsrc_id", rp.id.to_string())
                .set("clndr_id", rp.clndr_id.to_string())
                .set("guid", guid(&["RSRC", &res.key]))
                .set("rsrc_seq_num", rp.id.to_string())
                .set(
                    "rsrc_name",
                    if res.name.trim().is_empty() {
                        &res.code
                    } else {
                        &res.name
                    },
                )
                .set("rsrc_short_name", &res.code)
                .set("def_qty_per_hr", "1")
                .set("cost_qty_type", "QT_Hour")
                .set("active_flag", "Y")
                .set("auto_compute_act_flag", "N")
                .set("def_cost_qty_link_flag", "Y")
                .set("ot_flag", "N")
                .set("curr_id", CURR_ID.to_string())
                .set(
                    "unit_id",
                    rp.unit_id.map(|x| x.to_string()).unwrap_or_default(),
                )
                .set("rsrc_type", rsrc_type(res.kind));
            t.push(r)?;
        }
        t.write_to(&mut out);
    }

    // TASK
    let mut t = Table::new("TASK", &TASK_COLS);
    let mut memos = Table::new("TASKMEMO", &TASKMEMO_COLS);
    // Assignments by task, so the roll-up below is linear.
    let mut asgs_of: std::collections::HashMap<(usize, usize), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, g) in plan.asgs.iter().enumerate() {
        asgs_of.entry((g.proj, g.task)).or_default().push(i);
    }
    for (pi, pp) in plan.projects.iter().enumerate() {
        for (ti, tp) in pp.tasks.iter().enumerate() {
            let a = tp.act;
            let d = &tp.dates;
            let milestone = matches!(
                a.kind,
                ActivityKind::StartMilestone | ActivityKind::FinishMilestone
            );
            let target_drtn = if milestone {
                Decimal::ZERO
            } else {
                a.duration_hours
            };
            let remain = match a.status {
                Status::Complete => Decimal::ZERO,
                _ if milestone => Decimal::ZERO,
                _ => a.remaining_hours,
            };
            let pct = match a.status {
                Status::Complete => Decimal::ONE_HUNDRED,
                Status::NotStarted => Decimal::ZERO,
                Status::InProgress => a.percent_complete,
            };
            // Units roll up from assignments: labor into *_work_qty, nonlabor into *_equip_qty.
            let mut work = [Decimal::ZERO; 3];
            let mut equip = [Decimal::ZERO; 3];
            for ag in asgs_of
                .get(&(pi, ti))
                .into_iter()
                .flatten()
                .map(|i| &plan.asgs[*i])
            {
                let q = [ag.a.planned_units, ag.a.actual_units, ag.a.remaining_units];
                let acc = match plan.rsrcs[ag.rsrc].res.kind {
                    ResourceKind::Labor => &mut work,
                    ResourceKind::Nonlabor => &mut equip,
                    ResourceKind::Material => continue,
                };
                for k in 0..3 {
                    acc[k] += q[k];
                }
            }
            let (cstr_type, cstr_date) = match &a.constraint {
                None => ("", None),
                Some(c) => (cstr_code(c.kind), c.date),
            };
            let mut r = Row::new(&t);
            r.set("task_id", tp.id.to_string())
                .set("proj_id", pp.id.to_string())
                .set("wbs_id", tp.wbs_id.to_string())
                .set("clndr_id", tp.clndr_id.to_string())
                .num("phys_complete_pct", pct)
                .set("rev_fdbk_flag", "N")
                .set("est_wt", "1")
                .set("lock_plan_flag", "N")
                .set("auto_compute_act_flag", "N")
                .set("complete_pct_type", "CP_Phys")
                .set("task_type", task_type(a.kind))
                .set("duration_type", "DT_FixedDUR2")
                .set("status_code", status_code(a.status))
                .set("task_code", &a.code)
                .set("task_name", &a.name)
                .num("remain_drtn_hr_cnt", remain)
                .num("act_work_qty", work[1])
                .num("remain_work_qty", work[2])
                .num("target_work_qty", work[0])
                .num("target_drtn_hr_cnt", target_drtn)
                .num("target_equip_qty", equip[0])
                .num("act_equip_qty", equip[1])
                .num("remain_equip_qty", equip[2])
                .date("cstr_date", cstr_date)
                .date("act_start_date", d.act_start)
                .date("act_end_date", d.act_end)
                .date("late_start_date", Some(d.late.0))
                .date("late_end_date", Some(d.late.1))
                .date("early_start_date", Some(d.early.0))
                .date("early_end_date", Some(d.early.1))
                .date("restart_date", d.remaining.map(|x| x.0))
                .date("reend_date", d.remaining.map(|x| x.1))
                .date("target_start_date", Some(d.target.0))
                .date("target_end_date", Some(d.target.1))
                .date("rem_late_start_date", d.remaining.map(|x| x.0))
                .date("rem_late_end_date", d.remaining.map(|x| x.1))
                .set("cstr_type", cstr_type)
                .set("priority_type", "PT_Normal")
                .set("guid", guid(&["TASK", &pp.p.id, &a.key]))
                .set("driving_path_flag", "N")
                .set("act_this_per_work_qty", "0")
                .set("act_this_per_equip_qty", "0")
                .date("create_date", Some(ex))
                .date("update_date", Some(ex))
                .set("create_user", user)
                .set("update_user", user);
            t.push(r)?;
            if let Some(n) = a.notes.as_deref().filter(|n| !n.trim().is_empty()) {
                let mut r = Row::new(&memos);
                r.set("memo_id", (memos.rows.len() + 1).to_string())
                    .set("task_id", tp.id.to_string())
                    .set("memo_type_id", MEMO_TYPE_ID.to_string())
                    .set("proj_id", pp.id.to_string())
                    .memo("task_memo", &notes_html(n));
                memos.push(r)?;
            }
        }
    }
    t.write_to(&mut out);
    if !memos.rows.is_empty() {
        memos.write_to(&mut out);
    }

    // TASKPRED
    if !plan.preds.is_empty() {
        let mut t = Table::new("TASKPRED", &TASKPRED_COLS);
        for pr in &plan.preds {
            let sp = &plan.projects[pr.succ.0];
            let pp = &plan.projects[pr.pred.0];
            let mut r = Row::new(&t);
            r.set("task_pred_id", pr.id.to_string())
                .set("task_id", sp.tasks[pr.succ.1].id.to_string())
                .set("pred_task_id", pp.tasks[pr.pred.1].id.to_string())
                .set("proj_id", sp.id.to_string())
                .set("pred_proj_id", pp.id.to_string())
                .set("pred_type", pred_type(pr.kind))
                .num("lag_hr_cnt", pr.lag);
            t.push(r)?;
        }
        t.write_to(&mut out);
    }

    // TASKRSRC
    if !plan.asgs.is_empty() {
        let mut t = Table::new("TASKRSRC", &TASKRSRC_COLS);
        for ag in &plan.asgs {
            let pp = &plan.projects[ag.proj];
            let tp = &pp.tasks[ag.task];
            let rp = &plan.rsrcs[ag.rsrc];
            let a = ag.a;
            let d = &tp.dates;
            let drtn = tp.act.duration_hours;
            let rem_drtn = tp.act.remaining_hours;
            let per_hr = |q: Decimal, h: Decimal| {
                if h > Decimal::ZERO {
                    (q / h).round_dp(6)
                } else {
                    Decimal::ZERO
                }
            };
            let remain = if tp.act.status == Status::Complete {
                Decimal::ZERO
            } else {
                a.remaining_units
            };
            let mut r = Row::new(&t);
            r.set("taskrsrc_id", ag.id.to_string())
                .set("task_id", tp.id.to_string())
                .set("proj_id", pp.id.to_string())
                .set("cost_qty_link_flag", "Y")
                .set("rsrc_id", rp.id.to_string())
                .num("remain_qty", remain)
                .num("target_qty", a.planned_units)
                .num("remain_qty_per_hr", per_hr(remain, rem_drtn))
                .set("target_lag_drtn_hr_cnt", "0")
                .num("target_qty_per_hr", per_hr(a.planned_units, drtn))
                .set("act_ot_qty", "0")
                .num("act_reg_qty", a.actual_units)
                .set("relag_drtn_hr_cnt", "0")
                .set("cost_per_qty", money(Decimal::ZERO))
                .set("target_cost", money(Decimal::ZERO))
                .set("act_reg_cost", money(Decimal::ZERO))
                .set("act_ot_cost", money(Decimal::ZERO))
                .set("remain_cost", money(Decimal::ZERO))
                .date("act_start_date", d.act_start)
                .date("act_end_date", d.act_end)
                .date("restart_date", d.remaining.map(|x| x.0))
                .date("reend_date", d.remaining.map(|x| x.1))
                .date("target_start_date", Some(d.target.0))
                .date("target_end_date", Some(d.target.1))
                .date("rem_late_start_date", d.remaining.map(|x| x.0))
                .date("rem_late_end_date", d.remaining.map(|x| x.1))
                .set("rollup_dates_flag", "Y")
                .set("ts_pend_act_end_flag", "N")
                .set("guid", guid(&["TASKRSRC", &pp.p.id, &a.key]))
                .set("rate_type", "COST_PER_QTY")
                .set("act_this_per_cost", money(Decimal::ZERO))
                .set("act_this_per_qty", "0")
                .set("rsrc_type", rsrc_type(rp.res.kind))
                .set("cost_per_qty_source_type", "ST_Rsrc")
                .set("create_user", user)
                .date("create_date", Some(ex));
            t.push(r)?;
        }
        t.write_to(&mut out);
    }

    out.push_str("%E\r\n");
    Ok(out)
}

fn has_text(n: &Option<String>) -> bool {
    n.as_deref().is_some_and(|s| !s.trim().is_empty())
}

fn task_type(k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::Task => "TT_Task",
        ActivityKind::StartMilestone => "TT_Mile",
        ActivityKind::FinishMilestone => "TT_FinMile",
        ActivityKind::LevelOfEffort => "TT_LOE",
        ActivityKind::WbsSummary => "TT_WBS",
        ActivityKind::ResourceDependent => "TT_Rsrc",
    }
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "TK_NotStart",
        Status::InProgress => "TK_Active",
        Status::Complete => "TK_Complete",
    }
}

fn cstr_code(k: ConstraintKind) -> &'static str {
    match k {
        ConstraintKind::StartOn => "CS_MSO",
        ConstraintKind::StartOnOrAfter => "CS_MSOA",
        ConstraintKind::StartOnOrBefore => "CS_MSOB",
        ConstraintKind::FinishOn => "CS_MEO",
        ConstraintKind::FinishOnOrAfter => "CS_MEOA",
        ConstraintKind::FinishOnOrBefore => "CS_MEOB",
        ConstraintKind::MandatoryStart => "CS_MANDSTART",
        ConstraintKind::MandatoryFinish => "CS_MANDFIN",
        ConstraintKind::AsLateAsPossible => "CS_ALAP",
    }
}

fn pred_type(k: LinkKind) -> &'static str {
    match k {
        LinkKind::FinishToStart => "PR_FS",
        LinkKind::StartToStart => "PR_SS",
        LinkKind::FinishToFinish => "PR_FF",
        LinkKind::StartToFinish => "PR_SF",
    }
}

fn rsrc_type(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Labor => "RT_Labor",
        ResourceKind::Nonlabor => "RT_Equip",
        ResourceKind::Material => "RT_Mat",
    }
}

/// Plain-text notes as the minimal HTML P6's notebook stores.
fn notes_html(n: &str) -> String {
    let mut s = String::from("<HTML><BODY>");
    let lines: Vec<&str> = n.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            s.push_str("<BR>\n");
        }
        for ch in line.chars() {
            match ch {
                '&' => s.push_str("&amp;"),
                '<' => s.push_str("&lt;"),
                '>' => s.push_str("&gt;"),
                c => s.push(c),
            }
        }
    }
    s.push_str("</BODY></HTML>");
    s
}

// ---------------------------------------------------------------------------------------
// Calendar encoding
// ---------------------------------------------------------------------------------------

/// P6 `clndr_data` structured text with P6's own layout (line breaks become 0x7F 0x7F
/// when the memo is written; indentation two spaces per level).
pub fn clndr_data(c: &Calendar) -> String {
    let mut s = String::new();
    s.push_str("(0||CalendarData()(\n");
    s.push_str("  (0||DaysOfWeek()(\n");
    for p6_day in 1..=7u8 {
        // P6: 1 = Sunday … 7 = Saturday; model: Monday = 0 … Sunday = 6.
        let idx = (usize::from(p6_day) + 5) % 7;
        let last = p6_day == 7;
        let shifts = &c.week[idx];
        if shifts.is_empty() {
            s.push_str(&format!("    (0||{p6_day}()())"));
        } else {
            s.push_str(&format!("    (0||{p6_day}()(\n"));
            push_shifts(&mut s, shifts, "      ");
            s.push_str("))");
        }
        s.push_str(if last { "))\n" } else { "\n" });
    }
    s.push_str("  (0||VIEW(ShowTotal|Y)())\n");
    let mut ex: Vec<&(Date, Shifts)> = c.exceptions.iter().collect();
    ex.sort_by_key(|e| e.0);
    ex.dedup_by_key(|e| e.0);
    if ex.is_empty() {
        s.push_str("  (0||Exceptions()())))");
        return s;
    }
    s.push_str("  (0||Exceptions()(\n");
    for (i, (d, shifts)) in ex.iter().enumerate() {
        let serial = excel_serial(*d);
        if shifts.is_empty() {
            s.push_str(&format!("    (0||{i}(d|{serial})())"));
        } else {
            s.push_str(&format!("    (0||{i}(d|{serial})(\n"));
            push_shifts(&mut s, shifts, "      ");
            s.push_str("))");
        }
        s.push_str(if i + 1 == ex.len() { ")))" } else { "\n" });
    }
    s
}

fn push_shifts(s: &mut String, shifts: &Shifts, indent: &str) {
    for (i, (f, t)) in shifts.iter().enumerate() {
        s.push_str(&format!(
            "{indent}(0||{i}(s|{}|f|{})())",
            hhmm(*f),
            hhmm(*t)
        ));
        if i + 1 < shifts.len() {
            s.push('\n');
        }
    }
}

/// Days since 1899-12-30 (the serial P6 writes in `d|N`; 38355 = 2005-01-03).
pub fn excel_serial(d: Date) -> i32 {
    d.to_julian_day() - time::macros::date!(1899 - 12 - 30).to_julian_day()
}

fn shift_hours(sh: &Shifts) -> Decimal {
    let mins: u32 = sh
        .iter()
        .map(|(f, t)| end_minutes(*t).saturating_sub(day_minutes(*f)))
        .sum();
    (Decimal::from(mins) / Decimal::from(60)).round_dp(2)
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

// ---------------------------------------------------------------------------------------
// Values and encoding
// ---------------------------------------------------------------------------------------

fn fmt_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn fmt_dt(d: PrimitiveDateTime) -> String {
    format!("{} {:02}:{:02}", fmt_date(d.date()), d.hour(), d.minute())
}

/// Decimal with no trailing zeros and no exponent ("8", "4.5", "-16").
fn fmt_num(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".to_string()
    } else {
        n.to_string()
    }
}

/// Money as P6 writes it: four decimals.
fn money(d: Decimal) -> String {
    let mut v = d.round_dp(4);
    v.rescale(4);
    v.to_string()
}

/// Ordinary field: TAB, CR and LF become one space each line break; other control
/// characters are dropped; `"` is doubled as in P6's own exports.
fn clean_text(s: &str) -> String {
    let s = fold_str(s);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(' ');
            }
            '\t' | '\n' => out.push(' '),
            '"' => out.push_str("\"\""),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Memo field: every line break becomes P6's two DEL characters (0x7F 0x7F), TAB a
/// space, other control characters are dropped, `"` is doubled.
fn clean_memo(s: &str) -> String {
    let s = fold_str(s);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\u{7f}\u{7f}");
            }
            '\n' => out.push_str("\u{7f}\u{7f}"),
            '\t' => out.push(' '),
            '"' => out.push_str("\"\""),
            '\u{7f}' => out.push('\u{7f}'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Deterministic P6-style GUID (22 characters of base64 over 16 bytes) from the row's
/// identity, so re-exports of the same schedule keep their GUIDs.
fn guid(parts: &[&str]) -> String {
    let mut h1: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x6c62_272e_07bb_0142;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0x1f)) {
            h1 = (h1 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            h2 = (h2 ^ u64::from(b))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(17);
        }
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&h1.to_be_bytes());
    bytes[8..].copy_from_slice(&h2.to_be_bytes());
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(22);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(B64[((acc >> bits) & 63) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B64[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}

/// Latin Extended-A (U+0100–U+017F) folded to the base ASCII letter.
const LATIN_EXT_A: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Encodes text as Windows-1252. Letters, digits and symbols that cp1252 has are kept
/// (é → 0xE9, € → 0x80). Typographic punctuation is folded to ASCII even where cp1252
/// has it (“ ” → ", ‘ ’ → ', – — → -, … → ...), because those cp1252 bytes (0x80–0x9F)
/// are invisible control characters to readers that take the file as Latin-1. Other
/// characters are transliterated where a plain equivalent exists, else become `?`.
pub fn encode_cp1252(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in fold_str(s).chars() {
        let cp = c as u32;
        if cp < 0x80 || (0xA0..=0xFF).contains(&cp) {
            out.push(cp as u8);
        } else {
            out.push(cp1252_high(c).unwrap_or(b'?'));
        }
    }
    out
}

/// The text with every character replaced by what the XER will hold: cp1252 letters
/// and symbols kept, typographic punctuation and other characters folded to ASCII
/// (so quote doubling sees the `"` that “ and ” become).
fn fold_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let cp = c as u32;
        if cp < 0x80 || (0xA0..=0xFF).contains(&cp) || cp1252_high(c).is_some() {
            out.push(c);
        } else {
            out.push_str(fold(c).unwrap_or("?"));
        }
    }
    out
}

/// Letters and symbols of cp1252's 0x80–0x9F block that are kept as such.
fn cp1252_high(c: char) -> Option<u8> {
    Some(match c {
        '€' => 0x80,
        'ƒ' => 0x83,
        '†' => 0x86,
        '‡' => 0x87,
        '‰' => 0x89,
        'Š' => 0x8A,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '™' => 0x99,
        'š' => 0x9A,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// ASCII stand-ins for punctuation, spaces and accented letters outside cp1252.
fn fold(c: char) -> Option<&'static str> {
    let cp = c as u32;
    if (0x100..0x180).contains(&cp) {
        let b = LATIN_EXT_A[(cp - 0x100) as usize];
        return Some(match b {
            b'A' => "A",
            b'a' => "a",
            b'C' => "C",
            b'c' => "c",
            b'D' => "D",
            b'd' => "d",
            b'E' => "E",
            b'e' => "e",
            b'G' => "G",
            b'g' => "g",
            b'H' => "H",
            b'h' => "h",
            b'I' => "I",
            b'i' => "i",
            b'J' => "J",
            b'j' => "j",
            b'K' => "K",
            b'k' => "k",
            b'L' => "L",
            b'l' => "l",
            b'N' => "N",
            b'n' => "n",
            b'O' => "O",
            b'o' => "o",
            b'R' => "R",
            b'r' => "r",
            b'S' => "S",
            b's' => "s",
            b'T' => "T",
            b't' => "t",
            b'U' => "U",
            b'u' => "u",
            b'W' => "W",
            b'w' => "w",
            b'Y' => "Y",
            b'y' => "y",
            b'Z' => "Z",
            b'z' => "z",
            _ => "?",
        });
    }
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2039}'
        | '\u{203A}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{2022}' | '\u{2023}' | '\u{2043}' => "*",
        '\u{02C6}' => "^",
        '\u{02DC}' => "~",
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => "",
        '\u{2264}' => "<=",
        '\u{2265}' => ">=",
        '\u{2260}' => "!=",
        '\u{2248}' => "~",
        '\u{2192}' => "->",
        '\u{2190}' => "<-",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn opts() -> XerOptions {
        XerOptions::new(datetime!(2025-03-01 09:30))
    }

    fn week_8h() -> [Shifts; 7] {
        let day = vec![(time!(08:00), time!(12:00)), (time!(13:00), time!(17:00))];
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ]
    }

    fn cal(key: &str) -> Calendar {
        Calendar {
            key: key.into(),
            name: format!("Cal {key}"),
            base: None,
            hours_per_day: Decimal::from(8),
            week: week_8h(),
            exceptions: vec![(date!(2025 - 12 - 25), vec![])],
        }
    }

    fn act(key: &str, code: &str, wbs: Option<&str>) -> Activity {
        Activity {
            key: key.into(),
            code: code.into(),
            name: format!("Activity {code}"),
            wbs: wbs.map(Into::into),
            duration_hours: Decimal::from(16),
            remaining_hours: Decimal::from(16),
            start: Some(datetime!(2025-03-03 08:00)),
            finish: Some(datetime!(2025-03-04 17:00)),
            ..Default::default()
        }
    }

    fn sched() -> Schedule {
        Schedule {
            projects: vec![Project {
                key: "1".into(),
                id: "PRJ".into(),
                name: "Demo".into(),
                planned_start: Some(datetime!(2025-03-03 08:00)),
                data_date: Some(datetime!(2025-03-03 08:00)),
                calendar: Some("C1".into()),
                wbs: vec![
                    Wbs {
                        key: "W1".into(),
                        parent: None,
                        code: "1".into(),
                        name: "One".into(),
                        seq: 1,
                    },
                    Wbs {
                        key: "W2".into(),
                        parent: None,
                        code: "2".into(),
                        name: "Two".into(),
                        seq: 2,
                    },
                    Wbs {
                        key: "W11".into(),
                        parent: Some("W1".into()),
                        code: "1".into(),
                        name: "One.One".into(),
                        seq: 1,
                    },
                ],
                activities: vec![act("a", "A100", Some("W11")), act("b", "A110", Some("W2"))],
                relationships: vec![Relationship {
                    predecessor: "a".into(),
                    successor: "b".into(),
                    kind: LinkKind::FinishToStart,
                    lag_hours: Decimal::new(-45, 1),
                }],
                ..Default::default()
            }],
            calendars: vec![cal("C1")],
            resources: vec![Resource {
                key: "r1".into(),
                code: "CARP".into(),
                name: "Carpenter".into(),
                ..Default::default()
            }],
            currency: None,
        }
    }

    type Tbl = (String, Vec<String>, Vec<Vec<String>>);

    fn text(b: &[u8]) -> String {
        b.iter().map(|x| char::from(*x)).collect()
    }

    /// (table name, column names, rows) parsed back from our own output.
    fn tables(b: &[u8]) -> Vec<Tbl> {
        let s = text(b);
        let mut out: Vec<Tbl> = Vec::new();
        for line in s.split("\r\n") {
            let f: Vec<String> = line.split('\t').map(String::from).collect();
            match f[0].as_str() {
                "%T" => out.push((f[1].clone(), vec![], vec![])),
                "%F" => out.last_mut().unwrap().1 = f[1..].to_vec(),
                "%R" => out.last_mut().unwrap().2.push(f[1..].to_vec()),
                _ => {}
            }
        }
        out
    }

    fn col<'a>(t: &'a Tbl, row: usize, c: &str) -> &'a str {
        let i = t.1.iter().position(|x| x == c).unwrap();
        &t.2[row][i]
    }

    fn table<'a>(ts: &'a [Tbl], name: &str) -> &'a Tbl {
        ts.iter().find(|t| t.0 == name).unwrap()
    }

    #[test]
    fn header_crlf_and_trailer() {
        let b = write_xer(&sched(), &opts()).unwrap();
        let s = text(&b);
        assert!(s.starts_with(
            "ERMHDR\t8.2\t2025-03-01\tProject\taecos\taecos\tdbxDatabaseNoName\tProject Management\tUSD\r\n"
        ));
        assert!(s.ends_with("\r\n%E\r\n"));
        // Every LF is part of a CRLF.
        let lf = b.iter().filter(|c| **c == b'\n').count();
        let crlf = b.windows(2).filter(|w| w == b"\r\n").count();
        assert_eq!(lf, crlf);
        let mut o = opts();
        o.version = "20.12".into();
        o.currency = "EUR".into();
        let b = write_xer(&sched(), &o).unwrap();
        assert!(b.starts_with(b"ERMHDR\t20.12\t"));
        let ts = tables(&b);
        let cur = table(&ts, "CURRTYPE");
        assert_eq!(cur.2.len(), 1);
        assert_eq!(col(cur, 0, "curr_short_name"), "EUR");
        assert_eq!(col(cur, 0, "curr_symbol"), "\u{80}"); // € as cp1252 byte 0x80
    }

    #[test]
    fn bad_options_are_refused() {
        for (f, v) in [
            ("version", "8.x"),
            ("version", ""),
            ("currency", "U SD"),
            ("user", "\t"),
        ] {
            let mut o = opts();
            match f {
                "version" => o.version = v.into(),
                "currency" => o.currency = v.into(),
                _ => o.user = v.into(),
            }
            let e = write_xer(&sched(), &o).unwrap_err();
            assert!(
                matches!(e, XerWriteError::BadOption { .. }),
                "{f}={v:?}: {e}"
            );
        }
    }

    #[test]
    fn table_order_and_column_counts() {
        let b = write_xer(&sched(), &opts()).unwrap();
        let ts = tables(&b);
        let names: Vec<&str> = ts.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "CURRTYPE",
                "OBS",
                "PROJECT",
                "CALENDAR",
                "SCHEDOPTIONS",
                "PROJWBS",
                "RSRC",
                "TASK",
                "TASKPRED"
            ]
        );
        let expect = [
            ("CURRTYPE", 11),
            ("OBS", 6),
            ("PROJECT", 69),
            ("CALENDAR", 13),
            ("SCHEDOPTIONS", 25),
            ("PROJWBS", 26),
            ("RSRC", 31),
            ("TASK", 60),
            ("TASKPRED", 10),
            ("TASKRSRC", 47),
            ("UMEASURE", 4),
            ("MEMOTYPE", 7),
            ("TASKMEMO", 5),
        ];
        for (n, k) in expect {
            assert_eq!(table_columns(n).unwrap().len(), k, "{n}");
        }
        for t in &ts {
            assert_eq!(t.1.len(), table_columns(&t.0).unwrap().len(), "{}", t.0);
            for r in &t.2 {
                assert_eq!(r.len(), t.1.len(), "{} row width", t.0);
            }
        }
    }

    /// The column lists equal the %F lines of the real P6 exports in the corpus, when the
    /// corpus is present (it lives outside this crate).
    #[test]
    fn columns_match_corpus() {
        let dir = std::path::Path::new("/work/shared/corpus/xer");
        let spec = [
            ("xernative_sample.xer", "CURRTYPE"),
            ("xernative_sample.xer", "OBS"),
            ("xernative_wk2.xer", "UMEASURE"),
            ("xernative_sample.xer", "PROJECT"),
            ("xernative_sample.xer", "CALENDAR"),
            ("xernative_sample.xer", "SCHEDOPTIONS"),
            ("xernative_sample.xer", "PROJWBS"),
            ("xernative_sample.xer", "RSRC"),
            ("xernative_sample.xer", "TASK"),
            ("xernative_sample.xer", "TASKPRED"),
            ("xernative_sample.xer", "TASKRSRC"),
            ("nmoghimi_BL-54069-B2-20250902.xer", "MEMOTYPE"),
            ("nmoghimi_BL-54069-B2-20250902.xer", "TASKMEMO"),
        ];
        for (f, t) in spec {
            let Ok(b) = std::fs::read(dir.join(f)) else {
                return;
            };
            let s = text(&b).replace("\r\n", "\n");
            let lines: Vec<&str> = s.split('\n').collect();
            let i = lines.iter().position(|l| *l == format!("%T\t{t}")).unwrap();
            let cols: Vec<&str> = lines[i + 1].split('\t').skip(1).collect();
            assert_eq!(cols, table_columns(t).unwrap().to_vec(), "{f} {t}");
        }
    }

    #[test]
    fn root_wbs_wraps_top_level_nodes() {
        let b = write_xer(&sched(), &opts()).unwrap();
        let ts = tables(&b);
        let w = table(&ts, "PROJWBS");
        let roots: Vec<usize> = (0..w.2.len())
            .filter(|i| col(w, *i, "proj_node_flag") == "Y")
            .collect();
        assert_eq!(roots, [0]);
        assert_eq!(col(w, 0, "wbs_short_name"), "PRJ");
        assert_eq!(col(w, 0, "wbs_name"), "Demo");
        assert_eq!(col(w, 0, "parent_wbs_id"), "");
        let root_id = col(w, 0, "wbs_id").to_string();
        // Parent-first: every parent id appears on an earlier row.
        let mut seen = vec![root_id.clone()];
        for i in 1..w.2.len() {
            assert!(seen.contains(&col(w, i, "parent_wbs_id").to_string()));
            seen.push(col(w, i, "wbs_id").to_string());
        }
        let top: Vec<&str> = (1..w.2.len())
            .filter(|i| col(w, *i, "parent_wbs_id") == root_id)
            .map(|i| col(w, i, "wbs_short_name"))
            .collect();
        assert_eq!(top, ["1", "2"]);
        let p = table(&ts, "PROJECT");
        assert_eq!(col(p, 0, "proj_short_name"), "PRJ");
        assert_eq!(col(p, 0, "export_flag"), "Y");
    }

    #[test]
    fn foreign_keys_resolve_or_error() {
        let b = write_xer(&sched(), &opts()).unwrap();
        let ts = tables(&b);
        let ids = |t: &str, c: &str| -> Vec<String> {
            let tt = table(&ts, t);
            (0..tt.2.len()).map(|i| col(tt, i, c).to_string()).collect()
        };
        let wbs = ids("PROJWBS", "wbs_id");
        let cals = ids("CALENDAR", "clndr_id");
        let tasks = ids("TASK", "task_id");
        for w in ids("TASK", "wbs_id") {
            assert!(wbs.contains(&w));
        }
        for c in ids("TASK", "clndr_id") {
            assert!(cals.contains(&c));
        }
        for c in ids("TASKPRED", "task_id")
            .into_iter()
            .chain(ids("TASKPRED", "pred_task_id"))
        {
            assert!(tasks.contains(&c));
        }
        // Dangling references are errors naming the row.
        let mut s = sched();
        s.projects[0].activities[0].wbs = Some("nope".into());
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(ScheduleProblem::UnknownWbs { ref activity, .. })) if activity == "a"
        ));
        let mut s = sched();
        s.projects[0].activities[1].calendar = Some("nope".into());
        let e = write_xer(&s, &opts()).unwrap_err();
        assert!(matches!(
            e,
            XerWriteError::Schedule(ScheduleProblem::UnknownCalendar { .. })
        ));
        assert!(e.to_string().contains("activity \"b\""), "{e}");
        let mut s = sched();
        s.projects[0].relationships[0].successor = "zz".into();
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::BadRelationship { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].assignments.push(Assignment {
            key: "x".into(),
            activity: "a".into(),
            resource: "ghost".into(),
            ..Default::default()
        });
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::BadAssignment { .. }
            ))
        ));
        let mut s = sched();
        s.calendars[0].base = Some("ghost".into());
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::UnknownCalendar { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].wbs[2].parent = Some("ghost".into());
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::UnknownWbsParent { .. }
            ))
        ));
    }

    #[test]
    fn uniqueness_rules() {
        let mut s = sched();
        s.projects[0].activities[1].code = "A100".into();
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::DuplicateActivityCode { .. })
        ));
        let mut s = sched();
        s.projects[0].wbs[1].code = "1".into();
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::DuplicateWbsCode { .. })
        ));
        let mut s = sched();
        s.projects[0].activities[1].key = "a".into();
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::DuplicateKey { .. }
            ))
        ));
        let mut s = sched();
        let p2 = s.projects[0].clone();
        s.projects.push(p2);
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::DuplicateProjectId(_))
        ));
        let mut s = sched();
        let r = s.projects[0].relationships[0].clone();
        s.projects[0].relationships.push(r);
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::BadRelationship { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].relationships.push(Relationship {
            predecessor: "b".into(),
            successor: "a".into(),
            ..Default::default()
        });
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(
                ScheduleProblem::RelationshipLoop { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].wbs[0].parent = Some("W11".into());
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(ScheduleProblem::WbsCycle { .. }))
        ));
    }

    #[test]
    fn ids_are_numeric_unique_and_deterministic() {
        let mut s = sched();
        let mut p2 = s.projects[0].clone();
        p2.id = "PRJ2".into();
        s.projects.push(p2);
        let b1 = write_xer(&s, &opts()).unwrap();
        let b2 = write_xer(&s.clone(), &opts()).unwrap();
        assert_eq!(b1, b2);
        let ts = tables(&b1);
        for (t, c) in [
            ("PROJECT", "proj_id"),
            ("PROJWBS", "wbs_id"),
            ("TASK", "task_id"),
            ("CALENDAR", "clndr_id"),
            ("TASKPRED", "task_pred_id"),
        ] {
            let tt = table(&ts, t);
            let ids: Vec<u64> = (0..tt.2.len())
                .map(|i| col(tt, i, c).parse().unwrap())
                .collect();
            let set: BTreeSet<u64> = ids.iter().copied().collect();
            assert_eq!(set.len(), ids.len(), "{t}");
        }
        assert_eq!(table(&ts, "PROJECT").2.len(), 2);
        assert_eq!(table(&ts, "SCHEDOPTIONS").2.len(), 2);
        let w = table(&ts, "PROJWBS");
        assert_eq!(
            (0..w.2.len())
                .filter(|i| col(w, *i, "proj_node_flag") == "Y")
                .count(),
            2
        );
    }

    #[test]
    fn transliteration_to_cp1252() {
        let b = encode_cp1252("Café — façade “quoted” ☃ Łódź …\u{2009}x €");
        assert_eq!(
            b,
            b"Caf\xe9 - fa\xe7ade \"quoted\" ? L\xf3dz ... x \x80".to_vec()
        );
        // Through the writer: no UTF-8 multibyte sequences survive.
        let mut s = sched();
        s.projects[0].activities[0].name = "Café — façade ☃".into();
        let b = write_xer(&s, &opts()).unwrap();
        let want = b"\tCaf\xe9 - fa\xe7ade ?\t";
        assert!(b.windows(want.len()).any(|w| w == want));
        // No UTF-8 multibyte lead byte followed by a continuation byte for é/ç.
        assert!(!b.windows(2).any(|w| w == [0xc3, 0xa9] || w == [0xc3, 0xa7]));
    }

    #[test]
    fn tabs_newlines_quotes_in_values() {
        let mut s = sched();
        s.projects[0].activities[0].name = "Line1\r\nLine2\tTab \"q\"".into();
        s.projects[0].activities[0].notes = Some("first\nsecond <b>".into());
        let b = write_xer(&s, &opts()).unwrap();
        let ts = tables(&b);
        let t = table(&ts, "TASK");
        assert_eq!(col(t, 0, "task_name"), "Line1 Line2 Tab \"\"q\"\"");
        assert_eq!(clean_text("“QA”"), "\"\"QA\"\"");
        let m = table(&ts, "TASKMEMO");
        assert_eq!(
            col(m, 0, "task_memo"),
            "<HTML><BODY>first<BR>\u{7f}\u{7f}second &lt;b&gt;</BODY></HTML>"
        );
        assert!(ts.iter().any(|t| t.0 == "MEMOTYPE"));
        // Rows never contain stray CR/LF/TAB: every row has the right width (checked by
        // tables()) and the line count matches.
        for t in &ts {
            for r in &t.2 {
                assert_eq!(r.len(), t.1.len());
            }
        }
    }

    #[test]
    fn calendar_encoding() {
        let mut c = cal("C1");
        c.exceptions
            .push((date!(2005 - 01 - 03), vec![(time!(08:00), time!(12:00))]));
        c.week[6] = vec![(time!(00:00), time!(00:00))]; // Sunday 24 h
        let d = clndr_data(&c);
        assert!(d.starts_with("(0||CalendarData()(\n  (0||DaysOfWeek()(\n    (0||1()(\n      (0||0(s|00:00|f|00:00)())))\n    (0||2()(\n      (0||0(s|08:00|f|12:00)())\n      (0||1(s|13:00|f|17:00)())))\n"), "{d}");
        assert!(d.contains("    (0||7()())))\n  (0||VIEW(ShowTotal|Y)())\n  (0||Exceptions()(\n    (0||0(d|38355)(\n      (0||0(s|08:00|f|12:00)())))\n    (0||1(d|46016)())))"), "{d}");
        assert_eq!(excel_serial(date!(2005 - 01 - 03)), 38355);
        let mut c2 = cal("C2");
        c2.exceptions.clear();
        assert!(clndr_data(&c2).ends_with("  (0||Exceptions()())))"));
        // Through the writer, line breaks are 0x7F 0x7F and hour counts are filled.
        let b = write_xer(&sched(), &opts()).unwrap();
        let ts = tables(&b);
        let t = table(&ts, "CALENDAR");
        assert!(col(t, 0, "clndr_data").contains("\u{7f}\u{7f}  (0||DaysOfWeek()("));
        assert_eq!(col(t, 0, "day_hr_cnt"), "8");
        assert_eq!(col(t, 0, "week_hr_cnt"), "40");
        assert_eq!(col(t, 0, "month_hr_cnt"), "172");
        assert_eq!(col(t, 0, "year_hr_cnt"), "2000");
        // Bad shifts are refused.
        let mut s = sched();
        s.calendars[0].week[0] = vec![(time!(13:00), time!(12:00))];
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(ScheduleProblem::BadCalendar { .. }))
        ));
    }

    #[test]
    fn lags_durations_and_status_dates() {
        let mut s = sched();
        {
            let a = &mut s.projects[0].activities[0];
            a.status = Status::Complete;
            a.actual_start = Some(datetime!(2025-02-24 08:00));
            a.actual_finish = Some(datetime!(2025-02-25 17:00));
            a.remaining_hours = Decimal::from(5);
            a.constraint = Some(Constraint {
                kind: ConstraintKind::MandatoryStart,
                date: Some(datetime!(2025-02-24 08:00)),
            });
        }
        {
            let a = &mut s.projects[0].activities[1];
            a.status = Status::InProgress;
            a.actual_start = Some(datetime!(2025-02-26 08:00));
            a.percent_complete = Decimal::new(375, 1);
            a.remaining_hours = Decimal::new(125, 1);
        }
        let b = write_xer(&s, &opts()).unwrap();
        let ts = tables(&b);
        let p = table(&ts, "TASKPRED");
        assert_eq!(col(p, 0, "lag_hr_cnt"), "-4.5");
        assert_eq!(col(p, 0, "pred_type"), "PR_FS");
        let t = table(&ts, "TASK");
        assert_eq!(col(t, 0, "status_code"), "TK_Complete");
        assert_eq!(col(t, 0, "remain_drtn_hr_cnt"), "0");
        assert_eq!(col(t, 0, "target_drtn_hr_cnt"), "16");
        assert_eq!(col(t, 0, "act_start_date"), "2025-02-24 08:00");
        assert_eq!(col(t, 0, "act_end_date"), "2025-02-25 17:00");
        assert_eq!(col(t, 0, "restart_date"), "");
        assert_eq!(col(t, 0, "phys_complete_pct"), "100");
        assert_eq!(col(t, 0, "cstr_type"), "CS_MANDSTART");
        assert_eq!(col(t, 1, "status_code"), "TK_Active");
        assert_eq!(col(t, 1, "act_end_date"), "");
        assert_eq!(col(t, 1, "remain_drtn_hr_cnt"), "12.5");
        assert_eq!(col(t, 1, "phys_complete_pct"), "37.5");
        assert_eq!(col(t, 1, "restart_date"), "2025-03-03 08:00");
        assert_eq!(col(t, 1, "target_start_date"), "2025-02-26 08:00");
        // Not-started activities carry no actuals.
        let s = sched();
        let b = write_xer(&s, &opts()).unwrap();
        let ts = tables(&b);
        let t = table(&ts, "TASK");
        assert_eq!(col(t, 0, "act_start_date"), "");
        assert_eq!(col(t, 0, "early_start_date"), "2025-03-03 08:00");
        assert_eq!(col(t, 0, "target_end_date"), "2025-03-04 17:00");
        // Inconsistent status is refused.
        let mut s = sched();
        s.projects[0].activities[0].actual_start = Some(datetime!(2025-03-03 08:00));
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(ScheduleProblem::BadActivity { .. }))
        ));
        let mut s = sched();
        s.projects[0].activities[0].finish = Some(datetime!(2025-03-01 08:00));
        assert!(matches!(
            write_xer(&s, &opts()),
            Err(XerWriteError::Schedule(ScheduleProblem::BadActivity { .. }))
        ));
    }

    #[test]
    fn assignments_and_units() {
        let mut s = sched();
        s.resources.push(Resource {
            key: "m".into(),
            code: "CONC".into(),
            name: "Concrete".into(),
            kind: ResourceKind::Material,
            calendar: None,
            unit: Some("m3".into()),
        });
        s.projects[0].assignments = vec![
            Assignment {
                key: "g1".into(),
                activity: "a".into(),
                resource: "r1".into(),
                planned_units: Decimal::from(32),
                actual_units: Decimal::ZERO,
                remaining_units: Decimal::from(32),
            },
            Assignment {
                key: "g2".into(),
                activity: "a".into(),
                resource: "m".into(),
                planned_units: Decimal::from(12),
                actual_units: Decimal::ZERO,
                remaining_units: Decimal::from(12),
            },
        ];
        let b = write_xer(&s, &opts()).unwrap();
        let ts = tables(&b);
        let r = table(&ts, "TASKRSRC");
        assert_eq!(r.2.len(), 2);
        assert_eq!(col(r, 0, "target_qty_per_hr"), "2");
        assert_eq!(col(r, 1, "rsrc_type"), "RT_Mat");
        let u = table(&ts, "UMEASURE");
        assert_eq!(col(u, 0, "unit_abbrev"), "m3");
        let rs = table(&ts, "RSRC");
        assert_eq!(col(rs, 1, "unit_id"), "1");
        let t = table(&ts, "TASK");
        assert_eq!(col(t, 0, "target_work_qty"), "32");
        let names: Vec<&str> = ts.iter().map(|t| t.0.as_str()).collect();
        let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(pos("UMEASURE") < pos("RSRC") && pos("RSRC") < pos("TASK"));
        assert!(pos("TASK") < pos("TASKRSRC"));
    }

    #[test]
    fn guids_are_p6_shaped() {
        let g = guid(&["TASK", "P", "1"]);
        assert_eq!(g.len(), 22);
        assert_ne!(g, guid(&["TASK", "P", "2"]));
        assert_eq!(g, guid(&["TASK", "P", "1"]));
    }
}
