/** The emulated ANPR camera. */
export {
  AnprCamera,
  type AnprCameraOptions,
  type AnprRead,
  type AnprReadOptions,
  misreadPlate,
} from './anpr-camera.js';
