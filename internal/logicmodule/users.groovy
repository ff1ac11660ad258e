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

def result = runBinary(["check", "--output=" + output])
if (result.error != null) {
    // Nothing printed: the portal reports that the config could not be
    // retrieved rather than a false diff.
    System.err.println("lm-user-hygiene: " + result.error)
    return result.status
}
// check exits 3 when something needs the admin's attention: the snapshot was
// taken all the same.
if (result.status != 0 && result.status != 3) {
    System.err.println("lm-user-hygiene exited " + result.status + ": " + result.log)
    return 1
}
print result.out
return 0
