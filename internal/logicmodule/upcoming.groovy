// LM_User_Hygiene_Upcoming: runs lm-user-hygiene, installed on the collector
// host at lmuh.binary, as "upcoming --output=<output>". Its Active Discovery
// asks for discovery: each user the run's plan will suspend soon is one
// instance (the user id as the wildvalue, the username as its name,
// "suspended on <day> unless active before" as its description, and the
// properties auto.lmuh.email, auto.lmuh.suspend_on and
// auto.lmuh.last_activity). Its collection (BATCHSCRIPT) asks for batch:
// <user id>.days_left=N and <user id>.idle_days=M, the datapoints of each
// instance.
//
// Every lmuh.<flag> property reaches it as it reaches the run of
// LM_User_Hygiene_Installed, so the notice follows the policy the run follows.
//
// Groovy 2.4 (older collectors): no newer syntax here.
import java.util.concurrent.TimeUnit

def output = "OUTPUT"

// include: process.groovy

def result = runBinary(["upcoming", "--output=" + output])
// A failure prints nothing and returns non-zero: the portal then keeps the
// instances it has. Output with exit 0 is the whole list, and an empty one
// would delete every instance.
if (result.error != null) {
    System.err.println("lm-user-hygiene: " + result.error)
    return result.status
}
if (result.status != 0) {
    System.err.println("lm-user-hygiene exited " + result.status + ": " + result.log)
    return result.status
}
print result.out
return 0
