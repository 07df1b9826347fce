// Writes the .ksplat fixtures of Tests/Fixtures/ksplat/ with the format author's own code:
// mkkellogg/GaussianSplats3D's PlyParser (PLY → its UncompressedSplatArray) and
// SplatBufferGenerator (partition into sections, bucket, quantise, lay out the SplatBuffer), the
// same calls its util/create-ksplat.js makes. Nothing of Splat4D takes part.
//
// Usage: node tools/ksplat_fixtures.mjs GS3D_DIR [OUT_DIR]
//        node tools/ksplat_fixtures.mjs GS3D_DIR --convert IN.ply OUT.ksplat LEVEL [SH_DEGREE]
//   (the second form converts any PLY the same way, e.g. the decode benchmark's 1M-Gaussian ball)
//   GS3D_DIR holds the library's `src/` (git archive of github:mkkellogg/GaussianSplats3D) and
//   `node_modules/three/` (package.json with "type": "module" pointing at a three.js
//   build/three.module.js, r160 or later: the library's peer dependency). The library is not
//   vendored here; see Tests/Fixtures/ksplat/README.md for the commits used.
//   OUT_DIR defaults to Tests/Fixtures/ksplat.
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';

const [gs3dDir, ...rest] = process.argv.slice(2);
const converting = rest[0] === '--convert';
const outDir = converting ? undefined : rest[0] || 'Tests/Fixtures/ksplat';
if (!gs3dDir) {
    console.error('usage: node tools/ksplat_fixtures.mjs GS3D_DIR [OUT_DIR]');
    process.exit(64);
}
const load = (relative) => import(pathToFileURL(path.resolve(gs3dDir, relative)).href);
const { PlyParser } = await load('src/loaders/ply/PlyParser.js');
const { SplatBufferGenerator } = await load('src/loaders/SplatBufferGenerator.js');
const THREE = await load('node_modules/three/build/three.module.js');

// The parser wants a standalone ArrayBuffer (Node's Buffer may sit inside a shared pool).
const readBuffer = (file) => {
    const bytes = fs.readFileSync(file);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

if (converting) {
    const [, input, output, level, shDegree = '0'] = rest;
    const splats = PlyParser.parseToUncompressedSplatArray(readBuffer(input), parseInt(shDegree));
    const generator = SplatBufferGenerator.getStandardGenerator(1, parseInt(level), 0, new THREE.Vector3(0, 0, 0));
    fs.writeFileSync(output, Buffer.from(generator.generateFromUncompressedSplatArray(splats).bufferData));
    process.exit(0);
}

const plyBuffer = readBuffer('Tests/Fixtures/compressed/source.ply');

// name, compression level, SH degree asked for (the library stores at most degree 2),
// section size (0 = one section), bucket block size, bucket size.
const fixtures = [
    ['mode0.ksplat', 0, 2, 0, 5.0, 256],
    // Three sections of up to 400 Gaussians, the default 5-unit blocks and 256-Gaussian buckets.
    ['mode1.ksplat', 1, 2, 400, 5.0, 256],
    // Small blocks and buckets: many buckets, several of them partially filled.
    ['mode2.ksplat', 2, 2, 0, 1.0, 64],
    ['mode2-sh0.ksplat', 2, 0, 0, 5.0, 256],
];

// The library's own reading of every 97th Gaussian of each file (SplatBuffer's getters), so the
// tests check our decoder against the author's, value by value.
const { SplatBuffer } = await load('src/loaders/SplatBuffer.js');
const decodedByLibrary = (data) => {
    const buffer = new SplatBuffer(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const identity = new THREE.Matrix4();  // a transform makes it return SH as floats in every mode
    const shDegree = buffer.sections[0].sphericalHarmonicsDegree;
    const shCount = [0, 9, 24][shDegree];
    const samples = [];
    for (let i = 0; i < buffer.getSplatCount(); i += 97) {
        const center = new THREE.Vector3();
        const scale = new THREE.Vector3();
        const rotation = new THREE.Quaternion();
        const colour = new THREE.Vector4();
        buffer.getSplatCenter(i, center);
        buffer.getSplatScaleAndRotation(i, scale, rotation);
        buffer.getSplatColor(i, colour);
        const sh = new Float32Array(Math.max(shCount, 1));
        if (shDegree > 0) buffer.fillSphericalHarmonicsArray(sh, shDegree, identity, i, i, 0, 0);
        samples.push({ index: i, center: center.toArray(), scale: scale.toArray(),
                       rotationXYZW: rotation.toArray(), rgba: colour.toArray(),
                       sh: Array.from(sh.subarray(0, shCount)) });
    }
    return samples;
};
const expected = {};

fs.mkdirSync(outDir, { recursive: true });
for (const [name, level, shDegree, sectionSize, blockSize, bucketSize] of fixtures) {
    const splats = PlyParser.parseToUncompressedSplatArray(plyBuffer, shDegree);
    // Alpha removal threshold 1 (create-ksplat's default): Gaussians whose 8-bit alpha is 0 are dropped.
    const generator = SplatBufferGenerator.getStandardGenerator(1, level, sectionSize, new THREE.Vector3(0, 0, 0),
                                                                blockSize, bucketSize);
    const splatBuffer = generator.generateFromUncompressedSplatArray(splats);
    const data = Buffer.from(splatBuffer.bufferData);
    fs.writeFileSync(path.join(outDir, name), data);
    expected[name] = decodedByLibrary(data);
    console.log(`${name}: compression ${level}, SH ${shDegree}, ${splatBuffer.getSplatCount()} Gaussians in ` +
                `${splatBuffer.sections.length} section(s), ${splatBuffer.bufferData.byteLength} bytes`);
}
fs.writeFileSync(path.join(outDir, 'decoded-by-library.json'), JSON.stringify(expected, null, 1) + '\n');
