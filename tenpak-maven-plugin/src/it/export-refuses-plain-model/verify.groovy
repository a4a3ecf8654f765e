// export-refuses-plain-model: the artifact was compressed, the export failed as a build failure (not an
// execution error) naming the artifact and config.json, and nothing was written where the folder goes.
String log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/classes/models/weights.tenpak').isFile()
assert log.contains('[INFO] BUILD FAILURE')
assert log =~ /\[ERROR\] Failed to execute goal dev\.tenpak:tenpak-maven-plugin:[^:]+:export-compressed-tensors \(default\) on project export-refuses-plain-model: tenpak: cannot export target\/classes\/models\/weights\.tenpak as compressed-tensors: .*config\.json/
assert log.contains('MAVEN/MojoFailureException')
File target = new File(basedir, 'target')
assert !new File(target, 'compressed-tensors').exists()
assert !target.list().any { it.contains('compressed-tensors') }
assert !new File(target, 'tenpak/exports').exists()
return true
