// parallel-build: a -T 2 build of two modules; no thread-safety warning, and each module's jar holds its
// own artifact and a manifest that lists only its own model with its own codec.
import groovy.json.JsonSlurper
import java.util.zip.ZipFile

String log = new File(basedir, 'build.log').text
assert log.contains('Using the MultiThreadedBuilder implementation with a thread count of 2')
assert !log.contains('not marked as thread-safe')
assert log.contains('[INFO] BUILD SUCCESS')

[alpha: 'int8_sym_v1', beta: 'int4_sym_v1'].each { module, codec ->
    File jar = new File(basedir, "${module}/target/${module}-1.0.jar")
    new ZipFile(jar).withCloseable { zip ->
        def names = zip.entries().collect { it.name }.findAll { it.startsWith('models/') && !it.endsWith('/') }
        assert names.sort() == ["models/${module}.tenpak", 'models/tenpak-manifest.json'].sort()
        def manifest = new JsonSlurper().parse(zip.getInputStream(zip.getEntry('models/tenpak-manifest.json')))
        assert manifest.models*.input == ["src/main/models/${module}.json"]
        assert manifest.models[0].codec == codec
        assert manifest.models[0].artifactBytes == zip.getEntry("models/${module}.tenpak").size
        assert manifest.models[0].artifactBytes < manifest.models[0].tensorBytes
    }
    assert log =~ /\[INFO\] tenpak: verified 1 artifact\(s\) in .*${module}.target.classes.models/
}
return true
