// Runs lm-user-hygiene, installed on the collector host at lmuh.binary, once:
// it suspends inactive users and regroups fresh SSO users (with lmuh.apply =
// true) and prints one key=value line per datapoint.
//
// Groovy 2.4 (older collectors): no newer syntax here.
import java.util.concurrent.TimeUnit

def output = "datasource"

// include: process.groovy

def pb = new ProcessBuilder([binary, "run", "--output=" + output])
putSettings(pb.environment())

// A failure says why on stderr and prints run_success=0, which the
// DataSource alerts on.
def fail = { String why ->
    System.err.println("lm-user-hygiene: " + why)
    println "run_success=0"
    return 1
}

def proc
try {
    proc = pb.start()
} catch (IOException e) {
    return fail("cannot start " + binary + " (set the lmuh.binary property): " + e.message)
}
proc.outputStream.close()
// Both pipes are read while the program runs, so a long log on stderr
// cannot fill a pipe and stop it.
def out = new StringBuilder()
def err = new StringBuilder()
def outReader = proc.consumeProcessOutputStream(out)
def errReader = proc.consumeProcessErrorStream(err)
if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
    proc.destroyForcibly()
    proc.waitFor(5, TimeUnit.SECONDS)
    return fail("did not finish within " + timeoutSeconds + " s and was stopped")
}
outReader.join(5000)
errReader.join(5000)
def status = proc.exitValue()
if (status != 0) {
    // The last lines of the log say why; the program keeps secrets out of it.
    def log = err.toString().trim()
    System.err.println("lm-user-hygiene exited " + status + ": " + (log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log))
    // The output lines still count (run_success=0 and how far it got);
    // the exit status is the exit_code datapoint.
    print out.toString()
    return status
}
print out.toString()
return 0
