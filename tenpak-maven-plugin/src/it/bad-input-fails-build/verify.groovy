// bad-input-fails-build: the malformed file fails the build as a build failure (not an execution
// error) naming the file and what is wrong; the good file compressed before it is kept and recorded.
import groovy.json.JsonSlurper

String log = new File(basedir, 'build.log').text
assert log.contains('[INFO] BUILD FAILURE')
assert log =~ /\[ERROR\] Failed to execute goal dev\.tenpak:tenpak-maven-plugin:[^:]+:compress \(default\) on project bad-input-fails-build: tenpak: cannot compress model file src\/main\/models\/zz-broken\.json: .*malformed JSON/
assert log.contains('MAVEN/MojoFailureException')

File out = new File(basedir, 'target/classes/models')
assert new File(out, 'good.tenpak').isFile()
assert !new File(out, 'zz-broken.tenpak').exists()
assert !out.list().any { it.endsWith('.tmp') }
def manifest = new JsonSlurper().parse(new File(out, 'tenpak-manifest.json'))
assert manifest.models*.input == ['src/main/models/good.json']
return true
