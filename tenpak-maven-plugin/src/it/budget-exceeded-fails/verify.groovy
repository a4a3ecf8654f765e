// budget-exceeded-fails: int4's MAE on these weights is above the 1e-4 budget; the failure names the
// file, its MAE (as recorded in the manifest) and the budget.
import groovy.json.JsonSlurper

def manifest = new JsonSlurper().parse(new File(basedir, 'target/classes/models/tenpak-manifest.json'))
def e = manifest.models[0]
assert e.input == 'src/main/models/weights.json'
assert e.codec == 'int4_sym_v1'
assert e.mae > 1e-4
String mae = String.format(Locale.ROOT, '%.3e', e.mae as double)

String log = new File(basedir, 'build.log').text
assert log.contains('[INFO] BUILD FAILURE')
assert log.contains("tenpak: error budget exceeded: src/main/models/weights.json: MAE ${mae} exceeds failOnErrorAbove 1.000e-04 (codec int4_sym_v1)")
assert log.contains('MAVEN/MojoFailureException')
return true
