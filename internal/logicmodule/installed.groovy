// Runs lm-user-hygiene, installed on the collector host at lmuh.binary, once:
// it suspends inactive users and regroups fresh SSO users (with lmuh.apply =
// true) and prints one key=value line per datapoint.
//
// Groovy 2.4 (older collectors): no newer syntax here.
import java.util.concurrent.TimeUnit

def output = "datasource"

// include: process.groovy

def result = runBinary(["run", "--output=" + output])
if (result.error != null) {
    // run_success=0 is what the DataSource alerts on.
    System.err.println("lm-user-hygiene: " + result.error)
    println "run_success=0"
    return result.status
}
if (result.status != 0) {
    System.err.println("lm-user-hygiene exited " + result.status + ": " + result.log)
}
// The output lines count on a failure too (run_success=0 and how far it
// got); the exit status is the exit_code datapoint.
print result.out
return result.status
