// incremental-skip: build 1 compresses, build 2 (nothing changed) skips, build 3 (new codec) recompresses.
import groovy.json.JsonSlurper

String log = new File(basedir, 'build.log').text
def compressed = log.readLines().findAll { it ==~ /\[INFO\] src\/main\/models\/tagger\.json: .* \[(int8|int4)_sym_v1\]/ }
def skipped = log.readLines().findAll { it.contains('src/main/models/tagger.json: ') && it.contains('(up to date: input and settings unchanged, not recompressed)') }
def totals = log.readLines().findAll { it.contains('[INFO] tenpak: 1 model file(s), ') }
assert totals.size() == 3 : "expected three builds in build.log, found ${totals}"
assert totals[0].contains('1 compressed, 0 up to date')
assert totals[1].contains('0 compressed, 1 up to date')
assert totals[2].contains('1 compressed, 0 up to date')
assert compressed.size() == 2 && compressed[0].endsWith('[int8_sym_v1]') && compressed[1].endsWith('[int4_sym_v1]')
assert skipped.size() == 1

def manifest = new JsonSlurper().parse(new File(basedir, 'target/classes/models/tenpak-manifest.json'))
assert manifest.models.size() == 1
assert manifest.models[0].codec == 'int4_sym_v1'
assert manifest.models[0].settings.codec == 'int4_sym_v1'
return true
