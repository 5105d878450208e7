import kinesalite from "kinesalite";
const s = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
s.listen(14600, "127.0.0.1", () => console.log("listening"));
