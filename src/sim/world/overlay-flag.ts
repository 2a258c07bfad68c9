/**
 * Lets a second owner hold a boolean switch down without taking it from the first: the
 * property reads `true` only while its own value is true and `down()` is false; writes set
 * its own value as before. The control-plane model uses it on the switches an
 * api-server-unreachable fault already flips (pods and kubelets reaching the API), so
 * either can close the API to in-cluster clients and neither reopens what the other closed.
 */
export function overlayFlag<T extends object, K extends keyof T & string>(
  obj: T,
  key: K,
  down: () => boolean,
): void {
  let own = Boolean(obj[key]);
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get: () => own && !down(),
    set: (v: boolean) => {
      own = v;
    },
  });
}
