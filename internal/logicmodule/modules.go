package logicmodule

import (
	_ "embed"
	"fmt"
	"strings"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
)

// The modules' names; each file is named after its module.
const (
	UploadedName     = "LM_User_Hygiene"
	InstalledName    = "LM_User_Hygiene_Installed"
	ConfigSourceName = "LM_User_Hygiene_Users"
	UpcomingName     = "LM_User_Hygiene_Upcoming"
)

// The categories that choose the way the binary runs. One collector device
// carries one of them: each runs the tool once.
const (
	UploadedCategory  = "LMUserHygiene"
	InstalledCategory = "LMUserHygieneInstalled"
)

// The file names the uploaded module gives its binaries (linuxscript and
// windowsscript); the collector stores each upload under that name.
const (
	LinuxScript   = "lm-user-hygiene"
	WindowsScript = "lm-user-hygiene.exe"
)

// Schedules, in seconds: the runs once a day, the snapshot and the
// upcoming users' figures every hour.
const (
	RunSchedule          = 86400
	ConfigSourceSchedule = 3600
	UpcomingSchedule     = 3600
)

// UpcomingDiscoverySchedule is how often, in minutes, the upcoming users are
// discovered: every hour, one of the intervals the portal takes.
const UpcomingDiscoverySchedule = 60

var (
	//go:embed process.groovy
	processGroovyTemplate string
	//go:embed installed.groovy
	installedGroovy string
	//go:embed users.groovy
	configSourceGroovy string
	//go:embed upcoming.groovy
	upcomingGroovy string
)

// upcomingScript is the upcoming module's script asking for output: its
// discovery and its collection differ in nothing else.
func upcomingScript(output string) string {
	const line = `def output = "OUTPUT"` + "\n"
	if strings.Count(upcomingGroovy, line) != 1 {
		panic("logicmodule: upcoming.groovy has no single line " + strings.TrimSpace(line))
	}
	return groovy(strings.Replace(upcomingGroovy, line, `def output = "`+output+`"`+"\n", 1))
}

// includeProcess is the line of a module's Groovy that process.groovy
// takes the place of.
const includeProcess = "// include: process.groovy\n"

// groovy is a module's script with process.groovy in place of its include
// line: how the binary, the key and the settings reach the process is
// written once for every module that runs the installed binary.
func groovy(script string) string {
	if strings.Count(script, includeProcess) != 1 {
		panic("logicmodule: a module's Groovy has no single line " + strings.TrimSpace(includeProcess))
	}
	return strings.Replace(script, includeProcess, processGroovy, 1)
}

// UploadedCmdline is the uploaded script's parameters: the command first,
// then every setting a device property sets, as --flag=##property## (a
// property replaced by nothing then cannot swallow the next flag). The
// binary reads an unreplaced token and an empty value as unset.
var UploadedCmdline = func() string {
	line := "run --output=datasource"
	for _, s := range moduleSettings() {
		line += " --" + s.Flag + "=##" + s.Property + "##"
	}
	return line
}()

// moduleSettings are the settings a device property sets, in the order the
// binary lists them.
func moduleSettings() []config.Setting {
	var out []config.Setting
	for _, s := range config.Settings() {
		if s.Property != "" {
			out = append(out, s)
		}
	}
	return out
}

// variablesLine is the line of process.groovy that the map from each device
// property to the binary's environment variable takes the place of.
const variablesLine = "// variables\n"

// processGroovy is process.groovy with the map of every device property to
// the binary's environment variable, one aligned line each.
var processGroovy = func() string {
	settings := moduleSettings()
	width := 0
	for _, s := range settings {
		width = max(width, len(s.Property)+2)
	}
	var lines strings.Builder
	for i, s := range settings {
		fmt.Fprintf(&lines, "    %-*s: %q", width, `"`+s.Property+`"`, s.Env)
		if i < len(settings)-1 {
			lines.WriteString(",")
		}
		lines.WriteString("\n")
	}
	if strings.Count(processGroovyTemplate, variablesLine) != 1 {
		panic("logicmodule: process.groovy has no single line " + strings.TrimSpace(variablesLine))
	}
	return strings.Replace(processGroovyTemplate, variablesLine, lines.String(), 1)
}()

const group = "LogicMonitor Portal"

// properties is what every module's description says about the device's
// properties.
const properties = "Properties (set on that device): lmaccount = portal name (acme for acme.logicmonitor.com), " +
	"or lmuh.base-url = the full API base instead (GovCloud, a proxy); lmaccess.id and lmaccess.key = LMv1 API token " +
	"of a user allowed to manage users; lmuh.apply = true to suspend and regroup (anything else plans only); " +
	"lmuh.<flag> sets any other setting of the binary (lmuh.protect-users, lmuh.role-groups, lmuh.warn-days, " +
	"lmuh.state, lmuh.sso-created-by, ...; lm-user-hygiene --help lists them). An unset property keeps the setting's safe default."

const installedProperties = " lmuh.binary = full path of the binary (default /usr/local/bin/lm-user-hygiene on Linux, " +
	`C:\Program Files\lm-user-hygiene\lm-user-hygiene.exe on Windows); lmuh.timeout = seconds before a hung run ` +
	"is stopped (default 110). The access key and every setting reach the binary in its environment, never on its command line."

// Installed is the recommended run DataSource: embedded Groovy runs the
// binary installed on the collector host at lmuh.binary, with the key and
// every setting in its environment.
func Installed() *Module {
	return &Module{
		Name:        InstalledName,
		DisplayName: "LM User Hygiene (installed binary)",
		Description: "Runs lm-user-hygiene once a day from the binary installed on the collector host at lmuh.binary: " +
			"suspends portal users inactive for 90 days (moving them to the Suspended user group) and moves fresh SSO users " +
			"out of Ungrouped into the groups of their roles. Plans only until lmuh.apply is true. Applies to the one " +
			"collector device that has the category " + InstalledCategory + ". " + properties + installedProperties,
		Schedule:  RunSchedule,
		AppliesTo: category(InstalledCategory),
		Group:     group,
		Tags:      "logicmonitor,users,security,sso,hygiene",
		Technology: "Embedded Groovy runs `lm-user-hygiene run --output=datasource` with ProcessBuilder: LM_ACCOUNT, " +
			"LM_BASE_URL, LM_ACCESS_ID, LM_ACCESS_KEY and one LMUH_* variable per set lmuh.* property in the process " +
			"environment (an unset, empty or unreplaced property is left out; LM_* and LMUH_* variables of the collector's " +
			"own environment are removed). stdout and stderr are read while it runs; a run still going after lmuh.timeout " +
			"seconds (default 110) is stopped and reported as run_success=0. Output is key=value lines read as multi-line " +
			"key-value pairs, one datapoint per key; the script's exit status is the binary's (0 run completed, 1 run could " +
			"not complete, 2 bad configuration).",
		Attributes: []Attribute{
			{"scripttype", "embed"},
			{"scriptgroovy", groovy(installedGroovy)},
			{"windowsscript", ""},
			{"linuxscript", ""},
			{"windowscmdline", ""},
			{"linuxcmdline", ""},
		},
		Datapoints: runDatapoints(),
		Graphs:     runGraphs(),
	}
}

// Uploaded is the run DataSource that carries the binaries as its uploaded
// script files: nothing to install on the collector host, the access key on
// the binary's command line. linux and windows are the linux_amd64 and
// windows_amd64 builds.
func Uploaded(linux, windows []byte) *Module {
	return &Module{
		Name:        UploadedName,
		DisplayName: "LM User Hygiene (uploaded binary)",
		Description: "Runs lm-user-hygiene once a day as an uploaded script file: suspends portal users inactive for " +
			"90 days (moving them to the Suspended user group) and moves fresh SSO users out of Ungrouped into the groups " +
			"of their roles. Plans only until lmuh.apply is true. Applies to the one collector device that has the " +
			"category " + UploadedCategory + ". " + properties + " The access key is on the binary's command line: pick " +
			InstalledName + " to keep it off.",
		Schedule:  RunSchedule,
		AppliesTo: category(UploadedCategory),
		Group:     group,
		Tags:      "logicmonitor,users,security,sso,hygiene",
		Technology: "The module carries the lm-user-hygiene binaries as its script files: " + LinuxScript +
			" (linux_amd64) and " + WindowsScript + " (windows_amd64). After import, check that the collector attributes " +
			"show both files; if not (or on an arm64 collector), upload the binary for the collector's platform under " +
			"exactly that name. The parameters pass every setting as --flag=##property##; a property the device lacks " +
			"arrives as its unreplaced token or as nothing, and the binary reads both as unset; a value with spaces may " +
			"arrive split at its spaces and the binary joins it again. Output is key=value lines read as multi-line " +
			"key-value pairs, one datapoint per key. Exit status 0 run completed, 1 run could not complete, 2 bad " +
			"configuration; logs go to stderr. A run ends within --time-budget (default 90s) plus the last request, " +
			"inside the usual 120 s collector.script.timeout.",
		Attributes: []Attribute{
			{"scripttype", "file"},
			{"scriptgroovy", ""},
			{"windowsscript", WindowsScript},
			{"linuxscript", LinuxScript},
			{"windowscmdline", UploadedCmdline},
			{"linuxcmdline", UploadedCmdline},
		},
		Datapoints: runDatapoints(),
		Graphs:     runGraphs(),
		Scripts: []Script{
			{Platform: "Linux", Filename: LinuxScript, Content: linux},
			{Platform: "Windows", Filename: WindowsScript, Content: windows},
		},
	}
}

// ConfigSource records the portal's users and the policy in force, hourly,
// from the installed binary's `check --output=configsource`: it never writes.
func ConfigSource() *Module {
	return &Module{
		Name:         ConfigSourceName,
		DisplayName:  "LM User Hygiene Users",
		ConfigSource: true,
		Description: "Records the portal's users (status, groups and roles, by name) and the lm-user-hygiene policy in " +
			"force (lmuh.apply included) as a sorted text config, so every suspension and regroup shows up as one diff " +
			"for a person to review. Runs the binary installed at lmuh.binary as `check`: it never writes. Applies to the " +
			"one collector device that has the category " + InstalledCategory + " (the uploaded binary is not on the " +
			"collector host's disk). " + properties + installedProperties,
		Schedule:  ConfigSourceSchedule,
		AppliesTo: category(InstalledCategory),
		Group:     group,
		Tags:      "logicmonitor,users,security,sso,hygiene,audit",
		Technology: "Embedded Groovy runs `lm-user-hygiene check --output=configsource` with ProcessBuilder, the key and " +
			"every setting in the process environment. The binary's stdout is the config; exit 0 and 3 (check found " +
			"something to look at) are a retrieved config. It prints nothing and exits 1 when it cannot read the portal, " +
			"and the script then fails, so the portal reports that the config could not be retrieved instead of recording " +
			"a false diff. The snapshot holds no timestamps and is sorted, so it only changes when a user or the policy " +
			"changes.",
		Attributes: []Attribute{
			{"scripttype", "embed"},
			{"scriptgroovy", groovy(configSourceGroovy)},
			{"windowsscript", ""},
			{"linuxscript", ""},
			{"windowscmdline", ""},
			{"linuxcmdline", ""},
			{"csfileformat", "arbitrary"},
			{"cstimestampformat", "yyyy-MM-dd hh:mm:ss z"},
		},
		Datapoints: []Datapoint{
			{
				Name:                "ConfigChanged",
				Description:         "A user's status, groups or roles, or the policy, changed since the last collection.",
				DataType:            1,
				PostProcessorMethod: "none",
				PostProcessorParam:  `{"format":"arbitrary","diff_check":{"ignore_line_with_regex":[],"ignore_line_start_with":[],"ignore_blank_lines":false,"ignore_space":false,"ignore_line_contain":[]}}`,
				AlertExpr:           "= 1",
				AlertMissing:        1,
				AlertSubject:        "LM User Hygiene: the portal's users or the policy changed",
				AlertBody: "The users of the portal, or the lm-user-hygiene policy, changed on ##HOST##: each suspension, " +
					"move and regroup is one line of the config diff, and so is a change of a lmuh.* property. What to do: " +
					"open the ConfigSource's diff and review it; a change nobody expected (a user suspended who should not " +
					"be, a policy line nobody set) is undone with `lm-user-hygiene undo last --apply` on the collector or " +
					"by hand in the portal. Acknowledge the alert to clear it.",
				MinValue:   "0",
				MaxValue:   "1",
				UserParams: [3]string{"ignore", "true", "0"},
			},
			{
				Name:                "ConfigNotRetrieved",
				Description:         "The binary could not read the portal, or is missing at lmuh.binary: no snapshot was taken.",
				DataType:            1,
				PostProcessorMethod: "none",
				PostProcessorParam:  `{"fetch_check":{},"format":"arbitrary"}`,
				AlertExpr:           "= 1",
				AlertMissing:        1,
				AlertSubject:        "LM User Hygiene: the users could not be recorded",
				AlertBody: "The snapshot of the portal's users could not be taken on ##HOST##. What to do: run " +
					"`lm-user-hygiene check` on the collector with the same settings; its last line says why (the binary " +
					"missing at lmuh.binary, the portal unreachable, the token refused). Fix that; the next hourly " +
					"collection clears the alert.",
				MinValue:   "0",
				MaxValue:   "1",
				UserParams: [3]string{"fetch", "false", "0"},
			},
		},
	}
}

// Upcoming is the notice through the portal: a multi-instance DataSource
// whose instances are the users the run will suspend soon, discovered by
// running the installed binary as upcoming --output=discovery every hour,
// with days_left and idle_days collected by upcoming --output=batch.
func Upcoming() *Module {
	return &Module{
		Name:        UpcomingName,
		DisplayName: "LM User Hygiene upcoming suspensions",
		Description: "One instance per portal user that lm-user-hygiene will suspend soon (in the notice of --warn-days, " +
			"or in grace): the user id is the instance, the username its name, \"suspended on <day> unless active before\" " +
			"its description, with the properties auto.lmuh.email, auto.lmuh.suspend_on and auto.lmuh.last_activity. " +
			"days_left alerts at 7 days (warning) and 1 day (error), so the portal's alert rules and escalation chains " +
			"give the notice, to the admins, a team or the user. Runs the binary installed on the collector host at " +
			"lmuh.binary (the notice needs the installed binary), with the same device properties as " + InstalledName +
			": lmaccount or lmuh.base-url, lmaccess.id, lmaccess.key, and lmuh.<flag> for every setting, so the notice " +
			"follows the policy the run follows. Applies to the one collector device that has the category " +
			InstalledCategory + ". See docs/notice.md.",
		Collector: "batchscript",
		Discovery: &Discovery{
			Groovy:         upcomingScript("discovery"),
			Schedule:       UpcomingDiscoverySchedule,
			WildValueIsID:  true,
			Persist:        true,
			DeleteInactive: true,
		},
		Schedule:  UpcomingSchedule,
		AppliesTo: category(InstalledCategory),
		Group:     group,
		Tags:      "logicmonitor,users,security,sso,hygiene,notice",
		Technology: "Active Discovery (embedded Groovy, every 60 minutes) runs `lm-user-hygiene upcoming " +
			"--output=discovery`; collection (BATCHSCRIPT, embedded Groovy, every hour) runs `lm-user-hygiene upcoming " +
			"--output=batch`, which prints <user id>.days_left and <user id>.idle_days. Both put LM_ACCOUNT, LM_BASE_URL, " +
			"LM_ACCESS_ID, LM_ACCESS_KEY and one LMUH_* variable per set lmuh.* property in the process environment (an " +
			"unset, empty or unreplaced property is left out; LM_* and LMUH_* variables of the collector's own " +
			"environment are removed), never on the command line. upcoming never writes the portal or the state file. " +
			"When the portal cannot be read or its data is suspect, or the binary fails or runs past lmuh.timeout " +
			"seconds (default 110), the scripts print nothing and return non-zero, so the portal keeps its instances; " +
			"a user no longer upcoming (active again, exempt, or suspended) is no longer discovered and its instance " +
			"is deleted.",
		Attributes: []Attribute{
			{"scripttype", "embed"},
			{"scriptgroovy", upcomingScript("batch")},
			{"windowsscript", ""},
			{"linuxscript", ""},
			{"windowscmdline", ""},
			{"linuxcmdline", ""},
		},
		Datapoints: []Datapoint{
			{
				Name: "days_left",
				Description: "Days until the user is suspended unless active before: 0 on the day itself. Warning " +
					"at 7 days or fewer, error at 1 or fewer.",
				DataType:            4,
				UseValue:            "output",
				PostProcessorMethod: "namevalue",
				PostProcessorParam:  "##WILDVALUE##.days_left",
				AlertExpr:           "< 8 2",
				AlertMissing:        1,
				AlertSubject:        "##INSTANCE## is suspended in ##VALUE## day(s) unless active before",
				AlertBody: "The LogicMonitor user ##INSTANCE## will be suspended by lm-user-hygiene for inactivity: " +
					"##DSIDESCRIPTION## (##VALUE## day(s) left).\n" +
					"To stay active, the user logs in to the portal before that day. To keep the user without a login, " +
					"an administrator puts lmuh:exempt (or lmuh:exempt-until=YYYY-MM-DD) in the user's note, under " +
					"Settings > Users and Roles.\n" +
					"The instance carries the user's e-mail (auto.lmuh.email), the day (auto.lmuh.suspend_on) and the " +
					"last activity seen (auto.lmuh.last_activity). A suspended user keeps its roles; an administrator " +
					"can reactivate it.\n" +
					"Level ##LEVEL##, since ##START##, reported by ##HOST##.",
				MinValue: "0",
			},
			{
				Name: "idle_days",
				Description: "Days since the day the inactivity counts from: the latest activity, the reactivation, " +
					"or the day the tool first saw a user who never logged in.",
				DataType:            4,
				UseValue:            "output",
				PostProcessorMethod: "namevalue",
				PostProcessorParam:  "##WILDVALUE##.idle_days",
				AlertMissing:        1,
				MinValue:            "0",
			},
		},
	}
}

func category(name string) string { return fmt.Sprintf("hasCategory(%q)", name) }

// alert is how a run datapoint alerts: its expression, whether no data
// alerts too, and the body saying what happened and what to do.
type alert struct {
	expr    string
	missing int
	subject string
	body    string
}

// runAlerts are the run DataSources' alerts, by key. run_success and
// breaker_tripped are errors; the rest are warnings.
var runAlerts = map[string]alert{
	"run_success": {"< 1 1", 3, "LM User Hygiene: the run did not complete",
		"The lm-user-hygiene run on ##HOST## did not complete (run_success=##VALUE##, or no data: the script printed " +
			"nothing). Nothing more was changed after the failure. exit_code says which kind: 2 = bad configuration (a " +
			"lmaccount, lmaccess.* or lmuh.* property is wrong); 1 = the portal could not be read, refused the token, or " +
			"its data was suspect; 127 = the installed binary could not be started (set lmuh.binary to its path); 124 = " +
			"the run was stopped at lmuh.timeout (keep lmuh.time-budget well inside it, or lower lmuh.max-changes). What " +
			"to do for 1 or 2: run `lm-user-hygiene check` with the same settings where the binary is (installed), or " +
			"read the DataSource's raw output in the portal (uploaded); the last line says why. No data at all (uploaded): " +
			"the collector attributes lack the script file, or the collector stopped the script at its own timeout. " +
			"The next daily run clears the alert."},
	"breaker_tripped": {"> 0 0", 1, "LM User Hygiene: too many users looked inactive, nothing was written",
		"More active users looked inactive than lmuh.max-suspend-percent allows (##VALUE##), so the data is suspect and " +
			"the run on ##HOST## wrote nothing at all. What to do: read the plan (`lm-user-hygiene run --output text` on " +
			"the collector) and check the users' activity in the portal (after a migration or an SSO outage logins can " +
			"look old). Only if the plan is right, raise lmuh.max-suspend-percent for one run, then set it back."},
	"errors": {"> 0", 1, "LM User Hygiene: some user changes failed",
		"##VALUE## user changes or group creations failed in the run on ##HOST##; the others were made. What to do: run " +
			"`lm-user-hygiene run --output json` with the device's settings (it plans only; the installed binary, or the built one anywhere) or read the run's log: each failure " +
			"names the user and the portal's answer, most often a token whose role may not manage that user. The next " +
			"run tries again."},
	"budget_exhausted": {"> 0", 1, "LM User Hygiene: the time budget ran out",
		"The run on ##HOST## ran out of its time budget before every planned change was made; the rest waits for the " +
			"next run (pending). What to do: nothing if it happens once. If it repeats, the portal is slow or " +
			"rate-limited: lower lmuh.max-changes, or raise lmuh.time-budget while keeping it inside the collector's " +
			"script timeout (and lmuh.timeout)."},
	"config_warnings": {"> 0", 1, "LM User Hygiene: a setting names nothing in the portal",
		"##VALUE## settings name a user, role or group the portal does not have (a typo in lmuh.protect-users, " +
			"lmuh.protect-roles, lmuh.admin-roles or lmuh.role-groups), so they protect or map nothing. What to do: run " +
			"`lm-user-hygiene check` with the device's settings (the installed binary, or the built one anywhere); it names each setting and entry. Fix the property on ##HOST##."},
	"users_unreadable": {"> 0", 1, "LM User Hygiene: some users could not be read",
		"##VALUE## users could not be read with confidence and were left alone (a status other than active or " +
			"suspended, roles or adminGroupIds null, absent or not a list, no usable id). Above 5% the run changes nothing. What to do: run " +
			"`lm-user-hygiene check` with the device's settings (the installed binary, or the built one anywhere); it lists each user and the field. Fix the user in the portal."},
	"state_ok": {"< 1", 1, "LM User Hygiene: the state file could not be used",
		"The state file (the tool's memory of notice and first-seen dates) could not be used on ##HOST##. A file that " +
			"cannot be read is moved aside (.corrupt-<time>) and a fresh one started; one that cannot be used at all (not " +
			"even replaced) is read as an empty memory, a first run's: every notice starts today and nothing is recorded, so " +
			"with a notice period (lmuh.warn-days above 0) suspensions wait until it can be used again (losing the memory " +
			"never suspends anyone sooner). A write that fails leaves the file as it was. What to do: read the run's log, " +
			"which names the file and the error (a full disk, permissions, a file moved aside as corrupt); fix it, or set " +
			"lmuh.state to a path the " +
			"collector's user can write."},
}

// runDatapoints are the run DataSources' datapoints: one per key the binary
// prints, in its order, then the exit code.
func runDatapoints() []Datapoint {
	var out []Datapoint
	for _, d := range hygiene.Datapoints {
		dp := Datapoint{
			Name:                d.Name,
			Description:         d.Help,
			DataType:            7,
			UseValue:            "output",
			PostProcessorMethod: "namevalue",
			PostProcessorParam:  d.Name,
			AlertMissing:        1,
		}
		if a, ok := runAlerts[d.Name]; ok {
			dp.AlertExpr, dp.AlertMissing, dp.AlertSubject, dp.AlertBody = a.expr, a.missing, a.subject, a.body
		}
		out = append(out, dp)
	}
	return append(out, Datapoint{
		Name: "exit_code",
		Description: "Exit status of the binary: 0 run completed, 1 run could not complete, 2 bad configuration. " +
			"run_success carries the alert; this tells the two failures apart.",
		DataType:            4,
		UseValue:            "exitCode",
		PostProcessorMethod: "none",
		AlertMissing:        1,
	})
}

// runGraphs: what each run changed, what waits, and the users by status.
func runGraphs() []Graph {
	return []Graph{
		{Name: "Changes made", VerticalLabel: "users", DisplayPrio: 1, Lines: []Line{
			{"suspend_applied", "suspended", "red"},
			{"move_applied", "moved to the suspended group", "orange"},
			{"assign_applied", "regrouped by role", "blue"},
		}},
		{Name: "Waiting", VerticalLabel: "users", DisplayPrio: 2, Lines: []Line{
			{"suspend_upcoming", "suspension upcoming (notice)", "yellow"},
			{"pending", "pending (the next run)", "purple"},
		}},
		{Name: "Users by status", VerticalLabel: "users", DisplayPrio: 3, Lines: []Line{
			{"users_active", "active", "green"},
			{"users_suspended", "suspended", "gray"},
		}},
	}
}

// Committed are the modules shipped in dist/logicmodules, by file name.
func Committed() map[string][]byte {
	return map[string][]byte{
		InstalledName + ".xml":    Installed().XML(),
		ConfigSourceName + ".xml": ConfigSource().XML(),
		UpcomingName + ".xml":     Upcoming().XML(),
	}
}
