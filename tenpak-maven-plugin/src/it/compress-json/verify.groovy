// compress-json: the jar holds the artifact and the manifest, the model shrank, the build log has one
// line per model file and a total, the verify goal ran, and ModelFromJarIT loaded the model from the jar.
import groovy.json.JsonSlurper
import java.security.MessageDigest
import java.util.zip.ZipFile

def sha256 = { byte[] b -> MessageDigest.getInstance('SHA-256').digest(b).encodeHex().toString() }

File jar = new File(basedir, 'target/compress-json-1.0.jar')
assert jar.isFile()
File input = new File(basedir, 'src/main/models/encoder.json')

new ZipFile(jar).withCloseable { zip ->
    def names = zip.entries().collect { it.name }
    assert names.contains('models/encoder.tenpak')
    assert names.contains('models/tenpak-manifest.json')
    assert !names.any { it.endsWith('.json') && it != 'models/tenpak-manifest.json' && !it.startsWith('META-INF/') }
    assert !names.any { it.contains('NOTES') }

    def manifest = new JsonSlurper().parse(zip.getInputStream(zip.getEntry('models/tenpak-manifest.json')))
    assert manifest.format == 'tenpak-manifest-v1'
    assert manifest.tenpakVersion == tenpakVersion
    assert manifest.models.size() == 1
    def e = manifest.models[0]
    assert e.input == 'src/main/models/encoder.json'
    assert e.inputSha256 == sha256(input.bytes)
    assert e.inputBytes == input.length()
    assert e.artifact == 'encoder.tenpak'
    byte[] artifact = zip.getInputStream(zip.getEntry('models/encoder.tenpak')).bytes
    assert e.artifactBytes == artifact.length
    assert e.artifactSha256 == sha256(artifact)
    assert e.tensorBytes == (64 * 48 + 48) * 4
    assert e.tensors == 2
    assert e.codec == 'int8_sym_v1'
    assert e.tenpakVersion == tenpakVersion
    // sizes shrank: against the JSON file and against the raw float32 data
    assert e.artifactBytes < e.inputBytes
    assert e.artifactBytes < e.tensorBytes
    assert e.ratio > 3.0
    assert e.mae > 0 && e.mae <= e.maxAbsError && e.mse > 0
    println "compress-json: ${e.inputBytes} B JSON -> ${e.artifactBytes} B artifact, ratio ${e.ratio}, MAE ${e.mae}"
}

String log = new File(basedir, 'build.log').text
assert log =~ /\[INFO\] src\/main\/models\/encoder\.json: 31\.74 KiB -> [0-9.]+ KiB, ratio [0-9.]+x of 12\.19 KiB raw tensor data, MAE [0-9.e-]+ \[int8_sym_v1\]/
assert log.contains('[INFO] tenpak: 1 model file(s), 1 compressed, 0 up to date; total ')
assert log.contains('[INFO] tenpak: verified 1 artifact(s) in ')
assert log =~ /Tests run: 2, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: [0-9.]+ s -- in demo.ModelFromJarIT/
return true
