// Runs lm-user-hygiene, installed on the collector host at lmuh.binary, as
// `check --output=configsource` and prints its java-properties snapshot of the
// portal's users and the policy in force (lmuh.apply included) as this
// ConfigSource's config, so every suspension and regroup shows up as one diff.
// check never writes, whatever lmuh.apply says.
//
// Groovy 2.4 (older collectors): no newer syntax here.
import java.util.concurrent.TimeUnit

def output = "configsource"

// include: process.groovy

def pb = new ProcessBuilder([binary, "check", "--output=" + output])
putSettings(pb.environment())
// A failure prints nothing, so the portal reports that the config could not
// be retrieved rather than a false diff.
def fail = { String why ->
    System.err.println("lm-user-hygiene: " + why)
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
// check exits 3 when something needs the admin's attention: the snapshot was
// taken all the same.
if (status != 0 && status != 3) {
    // The last lines of the log say why; the program keeps secrets out of it.
    def log = err.toString().trim()
    System.err.println("lm-user-hygiene exited " + status + ": " + (log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log))
    return 1
}
print out.toString()
return 0
