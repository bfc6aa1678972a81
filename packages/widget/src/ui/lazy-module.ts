import { useEffect, useState } from 'preact/hooks';

/**
 * A hook that imports an extra the first time a component needs it; every component after that
 * gets it at once. The import stays an `import()` so the bundler keeps the extra out of the core.
 */
export function lazyModule<M>(load: () => Promise<M>): () => M | undefined {
  let loaded: M | undefined;
  return function useModule() {
    const [module, setModule] = useState(loaded);
    useEffect(() => {
      if (module === undefined) void load().then((value) => setModule((loaded = value)));
    }, []);
    return module;
  };
}
