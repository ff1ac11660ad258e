// How the binary runs and how its settings reach it, the same in every
// module that runs the installed binary. The API token and every setting go
// in the program's environment, never its command line: the process list
// shows a command line to every local user, a process's environment only to
// its owner. Settings in the environment are also never split at their
// spaces.

// Device property -> environment variable of the binary. Each lmuh.<flag>
// property sets that flag's setting; see lm-user-hygiene --help. (The lines
// are written from the binary's own list of settings.)
def variables = [
// variables
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

// runBinary runs the binary with args and the device's settings in its
// environment, and waits for it: both pipes are read while it runs, so a
// long log on stderr cannot fill a pipe and stop it, and a run still going
// after timeoutSeconds is stopped. It returns [error: why the binary did not
// run to its end, or null; status: its exit status, or when it did not run
// to its end 127 (it could not be started) or 124 (it was stopped at the
// timeout), as shells number them; out: its stdout; log: the last lines of
// its stderr, which the program keeps secrets out of].
def runBinary = { List args ->
    def pb = new ProcessBuilder([binary] + args)
    putSettings(pb.environment())
    def proc
    try {
        proc = pb.start()
    } catch (IOException e) {
        return [error: "cannot start " + binary + " (set the lmuh.binary property): " + e.message, status: 127]
    }
    proc.outputStream.close()
    def out = new StringBuilder()
    def err = new StringBuilder()
    def outReader = proc.consumeProcessOutputStream(out)
    def errReader = proc.consumeProcessErrorStream(err)
    if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        proc.destroyForcibly()
        proc.waitFor(5, TimeUnit.SECONDS)
        return [error: "did not finish within " + timeoutSeconds + " s and was stopped (lmuh.timeout)", status: 124]
    }
    outReader.join(5000)
    errReader.join(5000)
    def log = err.toString().trim()
    return [error : null, status: proc.exitValue(), out: out.toString(),
            log   : log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log]
}
