/* The C kernels under AddressSanitizer, against Double references, on random shapes: Winograd F(2x2)
 * and F(4x4) transforms (both vector paths, every input activation, any padding), the fused attention
 * kernel (AVX-512 where the CPU has it, else AVX2), the half-precision-weight product (a share of the
 * weight rows, strides wider than the rows), and a smoke pass over the element-wise
 * kernels.
 * Buffers are allocated to their exact sizes, so any read or write past a tile row, a strip or a key
 * block is reported. Run by Tests/Kernels/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "sdkernels.h"
static float rnd(void){ return (rand()%2001-1000)/1000.f; }
static float *buf(size_t n){ float *p = malloc(n*sizeof(float)); for(size_t i=0;i<n;i++) p[i]=rnd(); return p; }
int main(void){
  srand(3); int fails=0;
  if (getenv("SDK_CHECK_NO_AVX512")) sdk_disable_avx512_kernels(1);
  for (int it=0; it<300; it++){
    size_t h=1+rand()%40, w=1+rand()%70, pt=rand()%3, pl=rand()%3, pb=rand()%3, pr=rand()%3;
    if (h+pt+pb<3 || w+pl+pr<3) continue;
    size_t oh=h+pt+pb-2, ow=w+pl+pr-2;
    for (int tile=2; tile<=4; tile+=2){
      size_t P=(tile+2)*(tile+2), th=(oh+tile-1)/tile, tw=(ow+tile-1)/tile;
      float *x=buf(h*w), *g=buf(9), *u=malloc(P*sizeof(float)), *v=malloc(P*th*tw*sizeof(float)), *m=malloc(P*th*tw*sizeof(float)), *y=malloc(oh*ow*sizeof(float));
      int vec = rand()%2 && sdk_use_avx2();
      struct sdk_input_act act = { 0.7f, 0.1f, rand()%3 };
      if (tile==2){ sdk_wino2_filter(g,1,1,u,1,P); sdk_wino2_input(x,h,w,pt,pl,0,th,tw,v,th*tw,&act); }
      else { sdk_wino4_filter(g,1,1,u,1,P,vec); sdk_wino4_input(x,h,w,pt,pl,0,th,tw,v,th*tw,vec,&act); }
      for (size_t xi=0; xi<P; xi++) for (size_t t=0;t<th*tw;t++) m[xi*th*tw+t]=u[xi]*v[xi*th*tw+t];
      if (tile==2) sdk_wino2_output(m,th*tw,0,th,tw,0.5f,y,oh,ow); else sdk_wino4_output(m,th*tw,0,th,tw,0.5f,y,oh,ow,vec);
      double worst=0;
      for (size_t i=0;i<oh;i++) for(size_t j=0;j<ow;j++){ double acc=0.5;
        for(int a=0;a<3;a++) for(int b=0;b<3;b++){ long iy=(long)i+a-(long)pt, ix=(long)j+b-(long)pl; if(iy<0||ix<0||iy>=(long)h||ix>=(long)w) continue;
          double xv=x[iy*w+ix]; if(act.kind){ xv=act.scale*xv+act.shift; if(act.kind==2) xv=xv/(1+exp(-xv)); } acc+=g[a*3+b]*xv; }
        double d=fabs(acc-y[i*ow+j]); if(d>worst) worst=d; }
      if (worst>1e-4){ printf("FAIL tile %d h %zu w %zu pad %zu %zu err %g\n",tile,h,w,pt,pl,worst); fails++; }
      free(x);free(g);free(u);free(v);free(m);free(y);
    }
  }
  for (int it=0; it<60; it++){
    size_t t=1+rand()%70, s=1+rand()%300, d=8*(1+rand()%12);
    float *q=buf(t*d), *k=buf(s*d), *v=buf(s*d), *o=malloc(t*d*sizeof(float)), *wk=malloc(sdk_attention_work_floats(d)*sizeof(float));
    if(!sdk_attention_supported(d)) break;
    sdk_attention_head(q,d,k,d,v,d,o,d,t,s,d,0.3f,wk);
    double worst=0;
    for(size_t i=0;i<t;i++){ double sc[400], mx=-1e30, sum=0; for(size_t j=0;j<s;j++){ double a=0; for(size_t c=0;c<d;c++) a+=q[i*d+c]*k[j*d+c]; sc[j]=a*0.3; if(sc[j]>mx) mx=sc[j]; }
      for(size_t j=0;j<s;j++){ sc[j]=exp(sc[j]-mx); sum+=sc[j]; }
      for(size_t c=0;c<d;c++){ double a=0; for(size_t j=0;j<s;j++) a+=sc[j]*v[j*d+c]; a/=sum; double e=fabs(a-o[i*d+c]); if(e>worst) worst=e; } }
    if(worst>1e-5){ printf("FAIL attention t %zu s %zu d %zu err %g\n",t,s,d,worst); fails++; }
    free(q);free(k);free(v);free(o);free(wk);
  }
  for (int it=0; it<80; it++){
    size_t m=1+rand()%130, n=1+rand()%70, k=16*(1+rand()%40), m0=rand()%(m+1), m1=m0+rand()%(m-m0+1);
    size_t ldw=k+16*(rand()%2), ldx=n+rand()%3, ldy=n+rand()%3;
    if(!sdk_gemm_half_supported(k)) break;
    uint16_t *w=malloc(m*ldw*2); float *wf=malloc(m*ldw*sizeof(float));
    for(size_t i=0;i<m*ldw;i++){ w[i]=(uint16_t)(0x3000+rand()%0x1000+(rand()%2?0x8000:0)); }
    sdk_f16_to_f32(w,wf,m*ldw);
    float *x=buf(k*ldx), *y=buf(m*ldy), *y0=malloc(m*ldy*sizeof(float)), *wk=malloc(sdk_gemm_half_work_floats(n,k)*sizeof(float));
    memcpy(y0,y,m*ldy*sizeof(float));
    sdk_gemm_half(m0,m1,n,k,w,ldw,x,ldx,y,ldy,wk);
    double worst=0;
    for(size_t i=0;i<m;i++) for(size_t j=0;j<ldy;j++){ double want=y0[i*ldy+j];
      if(i>=m0&&i<m1&&j<n){ want=0; for(size_t q=0;q<k;q++) want+=(double)wf[i*ldw+q]*x[q*ldx+j]; }
      double e=fabs(y[i*ldy+j]-want); if(e>worst) worst=e; }
    if(worst>1e-4){ printf("FAIL gemm_half m %zu [%zu,%zu) n %zu k %zu err %g\n",m,m0,m1,n,k,worst); fails++; }
    free(w);free(wf);free(x);free(y);free(y0);free(wk);
  }
  /* Winograd F(2x2) and F(4x4) products from half-precision filters: V's rows only as long as the
   * contract asks (n rounded up to 32), so an overread shows under ASan; rows outside [m0, m1) untouched */
  static const double G2[4][3]={{1,0,0},{.5,.5,.5},{.5,-.5,.5},{0,0,1}};
  static const double G4[6][3]={{1./4,0,0},{-1./6,-1./6,-1./6},{-1./6,1./6,-1./6},{1./24,1./12,1./6},{1./24,-1./12,1./6},{0,0,1}};
  for (int it=0; it<40; it++){
    int tile=it%2?4:2, P=(tile+2)*(tile+2), side=tile+2;
    size_t m=1+rand()%130, n=1+rand()%100, cin=16*(1+rand()%20), m0=rand()%(m+1), m1=m0+rand()%(m-m0+1);
    size_t ldv=(n+31)/32*32, planev=cin*ldv, ldm=n+rand()%3, planem=m*ldm;
    if(!sdk_gemm_half_supported(cin)) break;
    uint16_t *w=malloc(m*cin*9*2); float *wf=malloc(m*cin*9*sizeof(float));
    for(size_t i=0;i<m*cin*9;i++){ w[i]=(uint16_t)(0x3000+rand()%0x1000+(rand()%2?0x8000:0)); }
    sdk_f16_to_f32(w,wf,m*cin*9);
    float *v=buf(P*planev), *mm=buf(P*planem), *m0v=malloc(P*planem*sizeof(float)), *wk=malloc(sdk_wino_half_work_floats()*sizeof(float));
    memcpy(m0v,mm,P*planem*sizeof(float));
    sdk_wino_half(tile,m0,m1,n,cin,w,v,ldv,planev,mm,ldm,planem,wk);
    double worst=0;
    for(size_t i=0;i<m;i++) for(int xi=0;xi<P;xi++) for(size_t j=0;j<ldm;j++){
      double want=m0v[xi*planem+i*ldm+j];
      if(i>=m0&&i<m1&&j<n){ want=0;
        for(size_t c=0;c<cin;c++){ const float *g=wf+(i*cin+c)*9; double u=0;
          for(int a=0;a<3;a++) for(int b=0;b<3;b++)
            u+=(tile==4?G4[xi/side][a]*G4[xi%side][b]:G2[xi/side][a]*G2[xi%side][b])*g[a*3+b];
          want+=u*v[xi*planev+c*ldv+j]; } }
      double e=fabs(mm[xi*planem+i*ldm+j]-want); if(e>worst) worst=e; }
    if(worst>1e-4){ printf("FAIL wino_half tile %d m %zu [%zu,%zu) n %zu cin %zu err %g\n",tile,m,m0,m1,n,cin,worst); fails++; }
    free(w);free(wf);free(v);free(mm);free(m0v);free(wk);
  }
  for (int it=0; it<100; it++){ size_t n=1+rand()%100, r=1+rand()%5, cc=1+rand()%50;
    float *x=buf(n); sdk_silu(x,n); sdk_gelu(x,n); sdk_quick_gelu(x,n); free(x);
    float *a=buf(r*cc); sdk_softmax_rows(a,r,cc,0.5f); free(a);
    float *gi=buf(r*2*cc), *go=malloc(r*cc*sizeof(float)); sdk_geglu(gi,go,r,cc); free(gi); free(go);
    size_t ch=2*(1+rand()%4), hw=1+rand()%33; float *gx=buf(ch*hw), *gg=buf(ch), *gb=buf(ch); sdk_group_norm(gx,gx,ch,hw,2,gg,gb,1e-5f,rand()%2); free(gx);free(gg);free(gb);
    float *lx=buf(r*cc), *lg=buf(cc), *lb=buf(cc); sdk_layer_norm(lx,lx,r,cc,lg,lb,1e-5f); free(lx);free(lg);free(lb);
  }
  printf("fails %d\n", fails); return fails!=0;
}
