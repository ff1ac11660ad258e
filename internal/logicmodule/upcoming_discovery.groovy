// Active Discovery of LM_User_Hygiene_Upcoming: runs lm-user-hygiene,
// installed on the collector host at lmuh.binary, as "upcoming
// --output=discovery". Each user the run's plan will suspend soon is one
// instance: the user id as the wildvalue, the username as its name, "suspended
// on <day> unless active before" as its description, and the properties
// auto.lmuh.email, auto.lmuh.suspend_on and auto.lmuh.last_activity.
//
// Every lmuh.<flag> property reaches it as it reaches the run of
// LM_User_Hygiene_Installed, so the notice follows the policy the run follows.
//
// Groovy 2.4 (older collectors): no newer syntax here.
import java.util.concurrent.TimeUnit

def output = "discovery"

// include: process.groovy

def pb = new ProcessBuilder([binary, "upcoming", "--output=" + output])
putSettings(pb.environment())

// A failure prints nothing and returns non-zero: the portal then keeps the
// instances it has. Output with exit 0 is the whole list, and an empty one
// would delete every instance.
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
if (status != 0) {
    // The last lines of the log say why; the program keeps secrets out of it.
    def log = err.toString().trim()
    System.err.println("lm-user-hygiene exited " + status + ": " + (log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log))
    return status
}
print out.toString()
return 0
