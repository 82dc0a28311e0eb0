//! Problems every schedule writer refuses before it renders a byte: duplicate keys,
//! references that do not resolve, loops, and values out of range. Each names the row and
//! says what to change. Format-specific limits stay in each writer's own error type.

/// Why a schedule cannot be written, whatever the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleProblem {
    #[error("the schedule has no projects; add at least one project to export")]
    NoProjects,
    #[error("{table} key {key:?} appears twice in {scope}; keys must be unique")]
    DuplicateKey {
        table: &'static str,
        scope: String,
        key: String,
    },
    #[error("project {project:?}: WBS {wbs:?} names parent {parent:?}, which is not a WBS key of this project; fix Wbs.parent")]
    UnknownWbsParent {
        project: String,
        wbs: String,
        parent: String,
    },
    #[error(
        "project {project:?}: WBS {wbs:?} is its own ancestor; fix Wbs.parent so the WBS is a tree"
    )]
    WbsCycle { project: String, wbs: String },
    #[error("project {project:?}: activity {activity:?} names WBS {wbs:?}, which is not a WBS key of this project; fix Activity.wbs")]
    UnknownWbs {
        project: String,
        activity: String,
        wbs: String,
    },
    #[error("{owner}: calendar {calendar:?} is not defined (schedule or project calendars); add it or fix the reference")]
    UnknownCalendar { owner: String, calendar: String },
    #[error("project {project:?} has no calendar to give its activities; add a calendar and set Project.calendar")]
    NoCalendar { project: String },
    #[error("calendar {calendar:?}: {problem}")]
    BadCalendar { calendar: String, problem: String },
    #[error("project {project:?}: activity {activity:?} {problem}")]
    BadActivity {
        project: String,
        activity: String,
        problem: String,
    },
    #[error("project {project:?}: relationship {predecessor:?} -> {successor:?}: {problem}")]
    BadRelationship {
        project: String,
        predecessor: String,
        successor: String,
        problem: String,
    },
    #[error("activities {activities:?} form a relationship loop; neither P6 nor MS Project can schedule a loop, remove one of the links")]
    RelationshipLoop { activities: Vec<String> },
    #[error("resource {resource:?}: {problem}")]
    BadResource { resource: String, problem: String },
    #[error("project {project:?}: assignment {assignment:?}: {problem}")]
    BadAssignment {
        project: String,
        assignment: String,
        problem: String,
    },
}
