package bwcli

import "regexp"

// patterns is the one table of BWCLI texts the driver recognises: prompts,
// confirmations, replies, errors, warnings and the shell tools' output. Each
// entry cites its confidence tag as docs/bwcli.md lists it ([C] seen
// verbatim in a public Cisco source, [I] inferred, [G] guessed) or the
// simulator's documented choice (docs/simulator.md) where no public source
// shows the text. Entries tagged [G] are deliberately loose: the real text
// may differ.
//
// Patterns are matched against cleaned text: decoded, ANSI-stripped, with
// line endings normalised, one line at a time and usually after trimming.
// The table is read-only after package initialisation.
var patterns = struct {
	// Prompts, matched against the whole tail of the buffer after the last
	// newline, never mid-line. confirm and password match a prefix: at the
	// tail nothing but blanks may follow it; inside output the rest of the
	// line is the echo of the answer. confirm may also follow a question on
	// the same line (`... Continue? Please confirm ...`), see findConfirm.
	// The shell prompt is not in this table: it is learned at login or
	// set by the operator (prompt.go).

	// cliPrompt is `<ROOT>_CLI` + `/Context/Sub...` + `> ` [C]; group 1 is
	// the root, group 2 the path with its leading slash. docs/bwcli.md gives
	// `^[A-Z]+_CLI(/[^\s/>]+)*> $`; digits in the root are tolerated.
	cliPrompt *regexp.Regexp
	// confirm is `Please confirm (Yes, Y, No, N): ` [C], for exit, clearAll,
	// large tables and dangerous operations; the wording inside is tolerated.
	confirm *regexp.Regexp
	// password is a password prompt: `New Password:` after `set <secret>`
	// [C]; `Re-type New Password:` and `Confirm Password:` are [G] (the brief
	// asks for them); bare `Password:` is what `login` prints [C].
	password *regexp.Regexp

	// Interim texts, removed from command output before parsing.

	// sizeWarning is the question before a read that touches many rows,
	// recognised by its meaning (a count of entries, then `Continue?`): a
	// sentence from the start of its line, words separated by single
	// spaces (so never a table row): `About to access 22 entries.
	// Continue?` [C] (216690), `About to filter through 2 entries.
	// Continue?` [C] (220570, even for two rows), and any other `... N
	// entries. Continue?` [I]. Reads answer it yes; writes never expect it.
	sizeWarning *regexp.Regexp
	// dangerous starts the description of a dangerous operation:
	// `+++ WARNING +++ WARNING +++ WARNING +++` [C]. Its confirmation is never
	// answered yes by a read.
	dangerous *regexp.Regexp
	// retrieving is printed after a large-table confirmation:
	// `Retrieving data... Please wait...` [C].
	retrieving *regexp.Regexp
	// entriesFound ends some tables: `N entries found.` [C]; the singular is
	// [G].
	entriesFound *regexp.Regexp
	// masked is how `get` shows a password attribute: `********` [C]; other
	// lengths are [G].
	masked *regexp.Regexp

	// Replies to set, clear, add and delete.

	// done is `...Done` [C].
	done *regexp.Regexp
	// restartWarnings are both restart warnings, seen verbatim [C]:
	// `*** Warning: BroadWorks needs to be restarted for the changes to take
	// effect ***` and `A restart is required for the change to take effect.`
	// Whether `...Done` follows is unknown [G]; either way is accepted.
	restartWarnings []*regexp.Regexp
	// cliErrors start an error reply; the line and every line after it (the
	// parameter's spec line) form the error text.
	//   `[CLIError] Command login: Mandatory parameter missing` [C]
	//   `[Error] ...` [C], `Error: ...` [I], `Failed to ...` [C],
	//   `Cannot ...` [C], `Invalid command` [C].
	cliErrors []*regexp.Regexp
	// cliErrorSubstrings mark an error anywhere in a line [C]:
	// `Mandatory parameter missing`, `entry is already present in list`,
	// `Entry not found`.
	cliErrorSubstrings []*regexp.Regexp
	// invalidCommand is BWCLI's answer to an unknown command or context:
	// `Invalid command` [C].
	invalidCommand *regexp.Regexp
	// sessionEnding is what `exit` prints after `y`:
	// `This session is now ending...` [C].
	sessionEnding *regexp.Regexp

	// Shell and shell tools.

	// shellErrors are a shell refusing a command:
	// `-bash: restartbw: command not found` (simulator, [G]),
	// `No such file or directory`, `Permission denied` [I].
	shellErrors []*regexp.Regexp
	// release is bwshowver's first line: `AS version Rel_24.0_1.944` and
	// `ADP version Rel_2022.11_1.273` [C]; the public notes give the regex
	// `^(\w+) version Rel_(\S+)$`.
	release *regexp.Regexp
	// releaseNumber splits the release: `24.0_1.944` -> 24.0 and 1.944 [C];
	// `21.sp1_1.551` -> 21.sp1 and 1.551 [I: BroadWorks names service packs
	// 21.sp1, 20.sp1, 14.sp9 (public partner guides); that bwshowver prints
	// them in the same Rel_ form is inferred].
	releaseNumber *regexp.Regexp
	// built is `Built  Sat Jun  6 00:26:50 EDT 2020` [C].
	built *regexp.Regexp
	// activePatches is `Active Patches: 701` [C] (220172: release 24 prints
	// the count and no names); the simulator can list the patch names on
	// the following lines (docs/simulator.md).
	activePatches *regexp.Regexp
	// appVersion is `- OpenClientServer version 2022.11_1.273` under
	// `Applications Info:` [C]; a suffix after the version is kept as
	// detail: `- OCIOverSoap version 2022.11_1.273 context path
	// /webservice` [C] (220570).
	appVersion *regexp.Regexp
	// section is a heading line such as `Patching Info:` or
	// `Applications Info:` [C].
	section *regexp.Regexp
	// appsSection is the heading of release-independent builds'
	// application list: `Applications Info:` [C].
	appsSection *regexp.Regexp
	// healthTitle is the report's title line: `System Health Report Page` [C].
	healthTitle *regexp.Regexp
	// healthField is one `Key : value` line of the health report [C]:
	// `   Report severity       : NOTIFICATION`.
	healthField *regexp.Regexp
	// healthOK is `No abnormal condition detected.` [C].
	healthOK *regexp.Regexp
	// healthAbnormal heads the abnormal conditions: the simulator prints
	// `Abnormal conditions detected:` then `   - Application X is not running
	// (state: Starting)` lines [G].
	healthAbnormal *regexp.Regexp
	// showrunHeader is the header of showrun's table: the simulator prints
	// `Application  State` [G].
	showrunHeader *regexp.Regexp
	// showrunName and showrunState are an application line's two first
	// columns [G]: a name (`OpenClientServer`, `Xsi-Actions`) and a state
	// word (`Running`, `Not running`).
	showrunName, showrunState *regexp.Regexp
	// runningStates and notRunningStates classify an application's state
	// in showrun [G]: the simulator prints Running, Starting and Stopped;
	// other words a real server may use are guessed. A state in neither
	// list is unknown, and health is then decided by healthmon alone.
	runningStates, notRunningStates *regexp.Regexp
	// restartRefused marks restartbw refusing an application [G]: its
	// output is not published; the simulator prints `restartbw: unknown
	// application X (this server runs ...)`, and a usage line is the usual
	// answer of a tool given a wrong argument.
	restartRefused *regexp.Regexp
}{
	cliPrompt: regexp.MustCompile(`^([A-Z][A-Z0-9]*_CLI)((?:/[^\s/>]+)*)> $`),
	confirm:   regexp.MustCompile(`(?i)please confirm\b[^:\n]*:`),
	password:  regexp.MustCompile(`(?i)^(?:re-?type new password|new password|confirm(?: new)? password|password):`),

	sizeWarning:  regexp.MustCompile(`(?i)^(?:\S+ )*?\d+ entr(?:y|ies)\.? ?continue\?`),
	dangerous:    regexp.MustCompile(`\+\+\+ ?WARNING ?\+\+\+`),
	retrieving:   regexp.MustCompile(`(?i)^retrieving data\.\.\. ?please wait\.\.\.`),
	entriesFound: regexp.MustCompile(`(?i)^(\d+) entr(?:y|ies) found\.?$`),
	masked:       regexp.MustCompile(`^\*{3,}$`),

	done: regexp.MustCompile(`(?i)^\.\.\. ?done\b`),
	restartWarnings: []*regexp.Regexp{
		regexp.MustCompile(`(?i)broadworks needs to be restarted`),
		regexp.MustCompile(`(?i)a restart is required for the changes? to take effect`),
	},
	cliErrors: []*regexp.Regexp{
		regexp.MustCompile(`(?i)^\[CLIError\]`),
		regexp.MustCompile(`(?i)^\[Error\]`),
		regexp.MustCompile(`(?i)^Error:`),
		regexp.MustCompile(`(?i)^Failed to\b`),
		regexp.MustCompile(`(?i)^Cannot\b`),
		regexp.MustCompile(`(?i)^Invalid command\b`),
	},
	cliErrorSubstrings: []*regexp.Regexp{
		regexp.MustCompile(`(?i)mandatory parameter missing`),
		regexp.MustCompile(`(?i)entry is already present in list`),
		regexp.MustCompile(`(?i)entry not found`),
	},
	invalidCommand: regexp.MustCompile(`(?i)^invalid command\b`),
	sessionEnding:  regexp.MustCompile(`(?i)^this session is now ending`),

	shellErrors: []*regexp.Regexp{
		regexp.MustCompile(`(?i)^-?[\w./-]*sh: .*(?:command not found|no such file or directory|permission denied)`),
		regexp.MustCompile(`(?i)^[\w./-]+: command not found$`),
	},
	release:        regexp.MustCompile(`^(\w+) version Rel_(\S+)$`),
	releaseNumber:  regexp.MustCompile(`^(\d+(?:\.(?:\d+|[sS][pP]\d+))?)(?:_(\S+))?$`),
	built:          regexp.MustCompile(`^Built\s+(.+)$`),
	activePatches:  regexp.MustCompile(`(?i)^active patches\s*:\s*(\d+)$`),
	appVersion:     regexp.MustCompile(`^-\s+(\S+)\s+version\s+(\S+)(?:\s+(.*))?$`),
	section:        regexp.MustCompile(`^[A-Z][A-Za-z ]*:$`),
	appsSection:    regexp.MustCompile(`(?i)^applications info:$`),
	healthTitle:    regexp.MustCompile(`(?i)^system health report page$`),
	healthField:    regexp.MustCompile(`^([A-Za-z][A-Za-z ]*?)\s*:\s*(.*)$`),
	healthOK:       regexp.MustCompile(`(?i)^no abnormal conditions? detected`),
	healthAbnormal: regexp.MustCompile(`(?i)^abnormal conditions? detected:?$`),
	showrunHeader:  regexp.MustCompile(`(?i)^(?:application|name|process)\s+(?:state|status)$`),

	showrunName:      regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`),
	showrunState:     regexp.MustCompile(`^[A-Za-z][A-Za-z _-]*$`),
	runningStates:    regexp.MustCompile(`(?i)^(?:running|started|active|up|ok)$`),
	notRunningStates: regexp.MustCompile(`(?i)^(?:stopped|stopping|starting|restarting|down|failed|dead|inactive|disabled|waiting|not[ _-]?running|unknown)$`),
	restartRefused:   regexp.MustCompile(`(?i)\bunknown application\b|^usage:|\bno such application\b|\bnot an? (?:valid |known )?application\b`),
}

// Column titles of Monitoring/Alarm/AlarmsTable `list` [C]:
// `Identifier  Timestamp  Alarm Name  Severity  Correlation Parameter`.
// Matched case-insensitively; the short forms are tolerated [G].
var alarmColumns = struct {
	id, timestamp, name, severity, correlation []string
}{
	id:          []string{"Identifier", "Id"},
	timestamp:   []string{"Timestamp", "Time"},
	name:        []string{"Alarm Name", "Name"},
	severity:    []string{"Severity"},
	correlation: []string{"Correlation Parameter", "Correlation"},
}

// Keys of the health report [C] (`BroadWorks Server Name: as1`).
var healthKeys = struct {
	serverName, dateTime, severity, serverType, serverState string
}{
	serverName:  "broadworks server name",
	dateTime:    "date and time",
	severity:    "report severity",
	serverType:  "server type",
	serverState: "server state",
}

// Fixed words the driver sends or compares [C]: the healthy severity, the
// answers to confirmations and the commands themselves.
const (
	severityHealthy = "NOTIFICATION"
	answerYes       = "y"
	answerNo        = "n"
	cmdBWCLI        = "bwcli"
	cmdExit         = "exit"
	cmdGet          = "get"
	cmdList         = "list"
	cmdRestart      = "restartbw"
	cmdHealth       = "healthmon -l"
	cmdVersion      = "bwshowver"
	cmdShowrun      = "showrun"
	alarmsPath      = "Monitoring/Alarm/AlarmsTable"
)
