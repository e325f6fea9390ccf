// tfjs-core's Node bundle (what `import '@tensorflow/tfjs-core'` loads in Node) registers no
// gradients. tfjs-layers' Node bundle registers all of tfjs-core's gradients into the registry
// that every copy of tfjs-core shares (a global), and, unlike the deep ESM import
// `@tensorflow/tfjs-core/dist/register_all_gradients` (extensionless imports), it also loads
// under plain Node from the built package. Imported for that side effect only.
import '@tensorflow/tfjs-layers';
