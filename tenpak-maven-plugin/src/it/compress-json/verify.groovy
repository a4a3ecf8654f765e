// compress-json: a JSON bundle and a safetensors file (written by Python's safetensors package); the
// jar holds both artifacts and the manifest, the models shrank, the build log has one
// line per model file and a total, the verify goal ran, and ModelFromJarIT loaded the model from the jar.
import groovy.json.JsonSlurper
import java.security.MessageDigest
import java.util.zip.ZipFile

def sha256 = { byte[] b -> MessageDigest.getInstance('SHA-256').digest(b).encodeHex().toString() }

File jar = new File(basedir, 'target/compress-json-1.0.jar')
assert jar.isFile()
new ZipFile(jar).withCloseable { zip ->
    def names = zip.entries().collect { it.name }
    assert names.contains('models/encoder.tenpak')
    assert names.contains('models/decoder.tenpak')
    assert names.contains('models/tenpak-manifest.json')
    // the model files themselves stay out of the jar
    assert !names.any { it.endsWith('.json') && it != 'models/tenpak-manifest.json' && !it.startsWith('META-INF/') }
    assert !names.any { it.endsWith('.safetensors') || it.contains('NOTES') }

    def manifest = new JsonSlurper().parse(zip.getInputStream(zip.getEntry('models/tenpak-manifest.json')))
    assert manifest.format == 'tenpak-manifest-v1'
    assert manifest.tenpakVersion == tenpakVersion
    assert manifest.models*.input == ['src/main/models/decoder.safetensors', 'src/main/models/encoder.json']
    [decoder: [48 * 32 + 32, 'safetensors'], encoder: [64 * 48 + 48, 'json']].each { name, spec ->
        def (int elements, String ext) = spec
        def e = manifest.models.find { it.artifact == "${name}.tenpak" }
        File input = new File(basedir, "src/main/models/${name}.${ext}")
        assert e.input == "src/main/models/${name}.${ext}"
        assert e.inputSha256 == sha256(input.bytes)
        assert e.inputBytes == input.length()
        byte[] artifact = zip.getInputStream(zip.getEntry("models/${name}.tenpak")).bytes
        assert e.artifactBytes == artifact.length
        assert e.artifactSha256 == sha256(artifact)
        assert e.tensorBytes == elements * 4
        assert e.tensors == 2
        assert e.codec == 'int8_sym_v1'
        assert e.tenpakVersion == tenpakVersion
        // sizes shrank: against the model file and against the raw float32 data
        assert e.artifactBytes < e.inputBytes
        assert e.artifactBytes < e.tensorBytes
        assert e.ratio > 3.0
        assert e.mae > 0 && e.mae <= e.maxAbsError && e.mse > 0
        println "compress-json: ${e.input} ${e.inputBytes} B -> ${e.artifactBytes} B, ratio ${e.ratio}, MAE ${e.mae}"
    }
}

String log = new File(basedir, 'build.log').text
assert log =~ /\[INFO\] src\/main\/models\/encoder\.json: 31\.74 KiB -> [0-9.]+ KiB, ratio [0-9.]+x of 12\.19 KiB raw tensor data, MAE [0-9.e-]+ \[int8_sym_v1\]/
assert log =~ /\[INFO\] src\/main\/models\/decoder\.safetensors: 6\.27 KiB -> [0-9.]+ KiB, ratio [0-9.]+x of 6\.13 KiB raw tensor data, MAE [0-9.e-]+ \[int8_sym_v1\]/
assert log.contains('[INFO] tenpak: 2 model file(s), 2 compressed, 0 up to date; total ')
assert log.contains('[INFO] tenpak: verified 2 artifact(s) in ')
assert log =~ /Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: [0-9.]+ s -- in demo.ModelFromJarIT/
return true
