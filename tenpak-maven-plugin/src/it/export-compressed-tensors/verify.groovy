// export-compressed-tensors: the folder holds config.json with a compressed-tensors quantization_config,
// packed int4 weights in model.safetensors, an index naming them and the carried tokenizer file; the log
// has the report, and the second build compressed and exported nothing.
import groovy.json.JsonSlurper
import java.nio.ByteBuffer
import java.nio.ByteOrder

File out = new File(basedir, 'target/compressed-tensors')
def config = new JsonSlurper().parse(new File(out, 'config.json'))
def q = config.quantization_config
assert q.quant_method == 'compressed-tensors'
assert q.quantization_status == 'compressed'
def group = q.config_groups.group_0
assert group.format == 'pack-quantized'
assert group.weights.num_bits == 4 && group.weights.group_size == 32 && group.weights.symmetric
assert q.ignore == []
assert config.model_type == 'bert'
assert new File(out, 'tokenizer_config.json').isFile()

byte[] st = new File(out, 'model.safetensors').bytes
long headerLength = ByteBuffer.wrap(st, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()
def header = new JsonSlurper().parseText(new String(st, 8, (int) headerLength, 'UTF-8'))
def packed = header.keySet().findAll { it.endsWith('.weight_packed') }.sort()
assert packed == ['layer.0.out.weight_packed', 'layer.0.query.weight_packed']
assert header['layer.0.query.weight_packed'].dtype == 'I32'
assert header['layer.0.query.weight_packed'].shape == [64, 8]
assert !header.containsKey('layer.0.query.weight')
assert header.containsKey('embeddings.word_embeddings.weight')
def index = new JsonSlurper().parse(new File(out, 'model.safetensors.index.json'))
assert index.weight_map['layer.0.query.weight_packed'] == 'model.safetensors'
assert !index.weight_map.containsKey('layer.0.query.weight')

String log = new File(basedir, 'build.log').text
String art = 'target/classes/models/tiny/model.safetensors.index.tenpak'
assert log.contains('[INFO] tenpak: 1 model file(s), 1 compressed, 0 up to date; total ')
assert log.contains('[INFO] tenpak: 1 model file(s), 0 compressed, 1 up to date; total ')
assert log =~ /\[INFO\] tenpak: exported target\/classes\/models\/tiny\/model\.safetensors\.index\.tenpak to target\/compressed-tensors as compressed-tensors: 2 Linear layer\(s\) quantized \[int4_sym_g32_v1\], 0 left dense, [0-9.]+ KiB of weights \(artifact [0-9.]+ KiB\)/
assert log.contains("[INFO] tenpak: ${art} -> target/compressed-tensors: up to date (artifact, folder and tenpak version unchanged), not exported again")
println "export-compressed-tensors: ${out} holds ${out.list().sort()}"
return true
