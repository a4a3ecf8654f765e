// stale-after-failure: build 2 failed on aa-broken.json without emptying the manifest, so build 3
// removed b.tenpak (b.json was dropped meanwhile) and the verify goal checked the folder against the models.
import groovy.json.JsonSlurper

String log = new File(basedir, 'build.log').text
assert log =~ /tenpak: cannot compress model file src\/main\/models\/aa-broken\.json: /
assert log.contains('[INFO] tenpak: removed b.tenpak')
assert log.contains('[INFO] tenpak: verified 1 artifact(s) in ')

File out = new File(basedir, 'target/models')
assert new File(out, 'a.tenpak').isFile()
assert !new File(out, 'b.tenpak').exists()
assert !new File(out, 'aa-broken.tenpak').exists()
def manifest = new JsonSlurper().parse(new File(out, 'tenpak-manifest.json'))
assert manifest.models*.input == ['src/main/models/a.json']
assert manifest.sources.directory == 'src/main/models'
assert manifest.sources.excludes == ['aa-broken.json', 'b.json']
return true
