// How the binary and its settings reach the process, the same in every
// module that runs the installed binary. The API token and every setting go
// in the program's environment, never its command line: the process list
// shows a command line to every local user, a process's environment only to
// its owner. Settings in the environment are also never split at their
// spaces.

// Device property -> environment variable of the binary. Each lmuh.<flag>
// property sets that flag's setting; see lm-user-hygiene --help.
def variables = [
    "lmaccount"               : "LM_ACCOUNT",
    "lmuh.base-url"           : "LM_BASE_URL",
    "lmaccess.id"             : "LM_ACCESS_ID",
    "lmaccess.key"            : "LM_ACCESS_KEY",
    "lmuh.apply"              : "LMUH_APPLY",
    "lmuh.max-changes"        : "LMUH_MAX_CHANGES",
    "lmuh.time-budget"        : "LMUH_TIME_BUDGET",
    "lmuh.log-level"          : "LMUH_LOG_LEVEL",
    "lmuh.log-format"         : "LMUH_LOG_FORMAT",
    "lmuh.state"              : "LMUH_STATE",
    "lmuh.inactive-days"      : "LMUH_INACTIVE_DAYS",
    "lmuh.activity"           : "LMUH_ACTIVITY",
    "lmuh.warn-days"          : "LMUH_WARN_DAYS",
    "lmuh.suspended-group"    : "LMUH_SUSPENDED_GROUP",
    "lmuh.protect-users"      : "LMUH_PROTECT_USERS",
    "lmuh.protect-roles"      : "LMUH_PROTECT_ROLES",
    "lmuh.min-admins"         : "LMUH_MIN_ADMINS",
    "lmuh.admin-roles"        : "LMUH_ADMIN_ROLES",
    "lmuh.include-api-users"  : "LMUH_INCLUDE_API_USERS",
    "lmuh.never-logged-in"    : "LMUH_NEVER_LOGGED_IN",
    "lmuh.max-suspend-percent": "LMUH_MAX_SUSPEND_PERCENT",
    "lmuh.role-groups"        : "LMUH_ROLE_GROUPS",
    "lmuh.assign-scope"       : "LMUH_ASSIGN_SCOPE",
    "lmuh.sso-created-by"     : "LMUH_SSO_CREATED_BY",
    "lmuh.ungrouped-group"    : "LMUH_UNGROUPED_GROUP",
    "lmuh.create-groups"      : "LMUH_CREATE_GROUPS"
]

// A property the device lacks is unset: null here, and on a collector that
// hands the script its tokens unreplaced, "##name##"; an empty value too.
def property = { String name ->
    def value = hostProps.get(name)
    if (value == null) {
        return null
    }
    value = value.toString()
    return (value.trim().isEmpty() || value ==~ /##.*##/) ? null : value
}

def windows = System.getProperty("os.name").toLowerCase().contains("windows")
def binary = property("lmuh.binary") ?: (windows ?
        "C:\\Program Files\\lm-user-hygiene\\lm-user-hygiene.exe" :
        "/usr/local/bin/lm-user-hygiene")
// Inside the collector's script timeout (collector.script.timeout, often 120 s),
// so a hung run is ended and reported, not left behind; lmuh.timeout (seconds)
// fits it to a collector configured otherwise.
def timeoutSeconds = 110
def timeoutProperty = property("lmuh.timeout")
if (timeoutProperty != null && timeoutProperty ==~ /[0-9]{1,4}/ && timeoutProperty.toInteger() > 0) {
    timeoutSeconds = timeoutProperty.toInteger()
}

// putSettings makes env, the binary's environment, hold the device's
// settings and only those: never variables the collector's own environment
// happens to hold.
def putSettings = { Map env ->
    env.keySet().findAll { it.startsWith("LM_") || it.startsWith("LMUH_") }.each { env.remove(it) }
    variables.each { name, variable ->
        def value = property(name)
        if (value != null) {
            env.put(variable, value)
        }
    }
}
